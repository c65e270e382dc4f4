package dev.flota.flash.ota;

import dev.flota.flash.device.Device;
import dev.flota.flash.partition.Partition;

/** The update sequence an application runs: begin, write in 4 KiB pieces, end, set the boot partition. */
final class OtaFlow {

    private OtaFlow() {
    }

    static Partition update(Device device, byte[] image) {
        OtaOperations ota = OtaOperations.on(device);
        Partition target = ota.getNextUpdatePartition(null).orElseThrow();
        OtaHandle handle = ota.begin(target, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        for (int offset = 0; offset < image.length; offset += 4096) {
            handle.write(java.util.Arrays.copyOfRange(image, offset, Math.min(image.length, offset + 4096)));
        }
        handle.end();
        ota.setBootPartition(target);
        return target;
    }
}
