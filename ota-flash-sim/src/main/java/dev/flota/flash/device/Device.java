package dev.flota.flash.device;

import dev.flota.flash.FormatException;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.flash.secureboot.SignatureSector;
import java.util.Objects;
import java.util.Optional;

/**
 * A simulated ESP32: its flash, what is not in flash ({@link DeviceProperties}: chip, revision, eFuse, bootloader
 * options), and the result of the last boot (the running partition and app). {@link #reboot()} runs the bootloader on
 * whatever the flash holds, exactly as a reset or a power cycle would; nothing else survives.
 *
 * <p>The OTA API ({@code esp_ota_*}) is {@code OtaOperations.on(device)}. Thread-safe: operations are serialised.
 */
public final class Device {

    private final NorFlash flash;
    private DeviceProperties properties;
    private PartitionTable table;
    private BootResult lastBoot = new BootResult(Optional.empty(), Optional.empty(), java.util.List.of(),
            java.util.List.of("not booted yet"));

    private Device(NorFlash flash, DeviceProperties properties) {
        this.flash = Objects.requireNonNull(flash);
        this.properties = Objects.requireNonNull(properties);
    }

    /** A device with this flash and these properties, not booted yet. */
    public static Device of(NorFlash flash, DeviceProperties properties) {
        return new Device(flash, properties);
    }

    /** A device that has just been powered on: {@link #reboot()} already ran. */
    public static Device poweredOn(NorFlash flash, DeviceProperties properties) {
        Device device = new Device(flash, properties);
        device.reboot();
        return device;
    }

    /**
     * A device that is already running the app its properties name (after an earlier boot, e.g. in another process):
     * the table is read and the running app identified, but no boot happens and nothing is written.
     */
    public static Device attach(NorFlash flash, DeviceProperties properties) {
        Device device = new Device(flash, properties);
        synchronized (device) {
            device.table = PartitionTable.parse(flash.read(properties.partitionTableOffset(),
                    PartitionTable.MAX_LENGTH));
            Optional<Partition> running = properties.runningPartition().flatMap(device.table::find);
            Optional<AppDescription> app = running.flatMap(p -> PartitionImages.verify(flash, p,
                    device.verifyOptions(ImageKind.APP, p)).appDescription());
            device.lastBoot = new BootResult(running, app, java.util.List.of(), java.util.List.of());
        }
        return device;
    }

    /**
     * Reset: power comes back if it was lost; with {@link DeviceProperties#bootloaderInFlash()} the ROM loads and
     * checks the bootloader image (else nothing boots); the partition table is read from flash and checked as
     * {@code esp_partition_table_verify} does, and the bootloader picks and verifies the app to start, writing otadata
     * as ESP-IDF's bootloader does.
     */
    public synchronized BootResult reboot() {
        flash.powerCycle();
        RomLoader.Outcome rom = properties.bootloaderInFlash() ? RomLoader.load(flash, properties)
                : RomLoader.Outcome.SIMULATED;
        rom.efuses().ifPresent(burned -> properties = properties.withEfuses(burned));
        if (!rom.loaded()) {
            table = null;
            lastBoot = new BootResult(Optional.empty(), Optional.empty(), java.util.List.of(), rom.refused());
            properties = properties.withRunningPartition(null);
            return lastBoot;
        }
        try {
            PartitionTable read = PartitionTable.parse(flash.read(properties.partitionTableOffset(),
                    PartitionTable.MAX_LENGTH));
            read.verifyFits(flash.size());
            table = read;
        } catch (FormatException e) {
            table = null;
            lastBoot = new BootResult(Optional.empty(), Optional.empty(), java.util.List.of(),
                    java.util.List.of("partition table: " + e.getMessage()));
            properties = properties.withRunningPartition(null);
            return lastBoot;
        }
        lastBoot = Bootloader.boot(this);
        if (!rom.refused().isEmpty()) {
            lastBoot = new BootResult(lastBoot.booted(), lastBoot.appDescription(), lastBoot.otadataChanges(),
                    java.util.stream.Stream.concat(rom.refused().stream(), lastBoot.skipped().stream()).toList());
        }
        properties = properties.withRunningPartition(lastBoot.booted().map(Partition::label).orElse(null));
        return lastBoot;
    }

    public NorFlash flash() {
        return flash;
    }

    public synchronized DeviceProperties properties() {
        return properties;
    }

    public Chip chip() {
        return properties().chip();
    }

    /** The partition table read at the last boot. */
    public synchronized PartitionTable partitionTable() {
        if (table == null) {
            throw new IllegalStateException("no valid partition table in flash: " + lastBoot.skipped());
        }
        return table;
    }

    public synchronized BootResult lastBoot() {
        return lastBoot;
    }

    /** {@code esp_ota_get_running_partition}: the app the last boot started. */
    public synchronized Optional<Partition> runningPartition() {
        return lastBoot.booted();
    }

    public synchronized Optional<AppDescription> runningApp() {
        return lastBoot.appDescription();
    }

    /** Burns anti-rollback eFuse bits up to {@code secureVersion}; the eFuse never goes down. */
    public synchronized void burnSecureVersion(long secureVersion) {
        if (secureVersion > properties.efuseSecureVersionMax()) {
            throw new IllegalArgumentException("secure version " + secureVersion + " exceeds the "
                    + properties.efuseSecureVersionMax() + "-bit eFuse field");
        }
        properties = properties.withEfuseSecureVersion((int) secureVersion);
    }

    /**
     * How this device verifies an image of {@code kind} for {@code partition}: its chip, revision, eFuse block revision
     * and the size.
     */
    public VerifyOptions verifyOptions(ImageKind kind, Partition partition) {
        DeviceProperties p = properties();
        VerifyOptions options = VerifyOptions.defaults().device(p.chip(), p.chipRevision())
                .efuseBlockRevision(p.efuseBlockRevision()).expectKind(kind).partitionSize(partition.size());
        return secureBootPolicy(p).map(policy -> options.signaturePolicy(policy.ignoringStoredImageDigest()))
                .orElse(options);
    }

    /**
     * How the bootloader verifies an app it is about to boot: as {@link #verifyOptions}, but with Secure Boot V2 the
     * signature goes through the ROM's check, which also compares the block's {@code image_digest} (spec §2.3).
     */
    VerifyOptions bootVerifyOptions(ImageKind kind, Partition partition) {
        DeviceProperties p = properties();
        VerifyOptions options = VerifyOptions.defaults().device(p.chip(), p.chipRevision())
                .efuseBlockRevision(p.efuseBlockRevision()).expectKind(kind).partitionSize(partition.size());
        return secureBootPolicy(p).map(options::signaturePolicy).orElse(options);
    }

    /**
     * With Secure Boot V2 on, the policy the device's own checks use: the unrevoked eFuse digests, the configured
     * scheme, every block examined (ESP32: block 0 against its single digest), the stored image digest compared.
     * Empty when Secure Boot is off.
     */
    public static Optional<SignaturePolicy> secureBootPolicy(DeviceProperties p) {
        if (!p.secureBootEnabled()) {
            return Optional.empty();
        }
        return Optional.of(SignaturePolicy.efuse(p.effectiveSecureBootScheme(), p.efuses().security()
                .trustedDigests(), p.chip() == Chip.ESP32 ? 1 : SignatureSector.MAX_BLOCKS));
    }

    /**
     * Burns the device's eFuses to {@code efuses}, the current ones after further burns (made with {@link Efuses}).
     *
     * @throws dev.flota.flash.efuse.EfuseException when that would clear a bit
     */
    public synchronized void burnEfuses(Efuses efuses) {
        if (!efuses.keepsEveryBitOf(properties.efuses())) {
            throw new dev.flota.flash.efuse.EfuseException(dev.flota.flash.efuse.EfuseException.Reason
                    .WOULD_CLEAR_BITS, "the new eFuses would clear bits the device has burned");
        }
        properties = properties.withEfuses(efuses);
    }

    synchronized void adoptProperties(DeviceProperties updated) {
        properties = updated;
    }

    @Override
    public String toString() {
        return "Device[" + chip().esptoolName() + ", running " + lastBoot.bootedLabel() + "]";
    }
}
