package dev.flota.ota.sim;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.PartitionImages;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.ota.OtaException;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.OtaTarget;
import dev.flota.ota.target.TargetException;
import dev.flota.ota.target.TargetIdentity;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The simulated {@link Device} as an {@link OtaTarget}: its {@code esp_ota_*} operations, its flash's timing model as
 * pacing, and its errors (the simulator's {@link OtaException} and {@link FlashException}) as
 * {@link TargetException}s with the same ESP error. Keep one per device: it remembers the last image verdict, so
 * {@code esp_ota_set_boot_partition} need not read back the image {@code esp_ota_end} just verified.
 *
 * <pre>{@code
 * HttpsOta.create().url(url).update(SimulatedTarget.of(device)).blockLast();
 * }</pre>
 */
public final class SimulatedTarget implements OtaTarget {

    private final Device device;
    private final OtaOperations ota;

    private SimulatedTarget(Device device) {
        this.device = Objects.requireNonNull(device, "device");
        this.ota = OtaOperations.on(device);
    }

    public static SimulatedTarget of(Device device) {
        return new SimulatedTarget(device);
    }

    /** The simulated device behind this target. */
    public Device device() {
        return device;
    }

    @Override
    public TargetIdentity identity() {
        DeviceProperties p = device.properties();
        return new TargetIdentity(p.chip(), p.chipRevision(), p.antiRollback(), p.efuseSecureVersion(),
                p.efuseBlockRevision());
    }

    @Override
    public PartitionTable partitionTable() {
        try {
            return device.partitionTable();
        } catch (IllegalStateException e) {
            throw new TargetException(EspError.ESP_ERR_NOT_FOUND, e.getMessage(), e);
        }
    }

    @Override
    public Optional<Partition> runningPartition() {
        return device.runningPartition();
    }

    @Override
    public Optional<AppDescription> runningApp() {
        return device.runningApp();
    }

    @Override
    public Optional<BootloaderDescription> bootloaderDescription() {
        return call(ota::getBootloaderDescription);
    }

    @Override
    public Optional<Partition> nextUpdatePartition(Partition start) {
        return call(() -> ota.getNextUpdatePartition(start));
    }

    @Override
    public OtaSession begin(Partition partition, long imageSize) {
        return new SimulatedSession(call(() -> ota.begin(partition, imageSize)));
    }

    @Override
    public void setBootPartition(Partition partition) {
        run(() -> ota.setBootPartition(partition));
    }

    @Override
    public Optional<Partition> bootPartition() {
        return call(ota::getBootPartition);
    }

    @Override
    public ImageVerification verifySignature(Partition partition, ImageKind kind, SecureBootKey key) {
        return call(() -> PartitionImages.verify(device.flashView(), partition, device.verifyOptions(kind, partition)
                .signaturePolicy(SignaturePolicy.signedOnUpdate(key))));
    }

    @Override
    public boolean mayBlock() {
        return device.flash().mayBlock();
    }

    @Override
    public Duration drainBusyTime() {
        return device.flash().drainBusyTime();
    }

    /** Resumption when the device's partition table has an NVS partition for the journal. */
    @Override
    public Optional<OtaResumption> resumption() {
        try {
            return SimulatedResumption.nvsPartition(device).map(nvs -> new SimulatedResumption(device, ota));
        } catch (IllegalStateException noTable) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "SimulatedTarget[" + device + "]";
    }

    static void run(Runnable call) {
        call(() -> {
            call.run();
            return null;
        });
    }

    /** Runs a simulator call, its errors turned into {@link TargetException}s with the same ESP error. */
    static <T> T call(Supplier<T> call) {
        try {
            return call.get();
        } catch (OtaException e) {
            throw new TargetException(e.error(), withoutPrefix(e.getMessage(), e.error().name()), e);
        } catch (FlashException e) {
            EspError error = e.error() == FlashError.FLASH_OP_TIMEOUT ? EspError.ESP_ERR_FLASH_OP_TIMEOUT
                    : EspError.ESP_ERR_FLASH_OP_FAIL;
            throw new TargetException(error, e.getMessage(), e);
        }
    }

    private static String withoutPrefix(String message, String name) {
        return message.startsWith(name + ": ") ? message.substring(name.length() + 2) : message;
    }
}
