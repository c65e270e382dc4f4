package dev.flota.flash.ota;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.PartitionImages;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;

/**
 * {@code esp_image_verify} of a partition's image, remembering the last verdict. ESP-IDF reads and hashes the image in
 * {@code esp_ota_end} and again in {@code esp_ota_set_boot_partition}; while the flash has not been erased or
 * programmed since, the device's properties are the same and no read fault is armed, the second reading is certain to
 * give the same verdict, so the first one is reused. Thread-safe.
 */
final class ImageChecks {

    private final Device device;
    private volatile Verdict last;

    /** A verdict and the state it was reached in: partition, check, device properties and flash contents. */
    private record Verdict(Partition partition, ImageKind kind, DeviceProperties properties, long modifications,
            ImageVerification result) {
    }

    ImageChecks(Device device) {
        this.device = device;
    }

    /** The image in {@code partition} checked as {@code kind}: the remembered verdict if it still holds, else read. */
    ImageVerification verify(Partition partition, ImageKind kind) {
        NorFlash flash = device.flash();
        boolean exactReads = !flash.faults().flipsReads();
        long modifications = flash.modifications();
        DeviceProperties properties = device.properties();
        Verdict known = last;
        if (exactReads && known != null && known.partition().equals(partition) && known.kind() == kind
                && known.properties().equals(properties) && known.modifications() == modifications) {
            return known.result();
        }
        ImageVerification result = PartitionImages.verify(device.flashView(), partition,
                device.verifyOptions(kind, partition));
        if (exactReads && flash.modifications() == modifications && !flash.faults().flipsReads()) {
            last = new Verdict(partition, kind, properties, modifications, result);
        }
        return result;
    }

    /** Remembers a verdict reached by reading the partition back, valid while the flash count stays the same. */
    void remember(Partition partition, ImageKind kind, DeviceProperties properties, long modifications,
            ImageVerification result) {
        last = new Verdict(partition, kind, properties, modifications, result);
    }
}
