package dev.flota.ota.target;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.secureboot.SecureBootKey;
import java.time.Duration;
import java.util.Optional;

/**
 * A device the engine can update: what {@code esp_https_ota} needs from the chip it runs on, in ESP-IDF's terms. The
 * identity the header checks read, the partition table and what is running, {@code esp_ota_begin} (returning the
 * {@link OtaSession} that writes and ends the update), {@code esp_ota_set_boot_partition}, and the signature check of
 * a written image. The simulator is one implementation ({@code dev.flota.ota.sim.SimulatedTarget}); a chip behind
 * its serial ROM loader is another.
 *
 * <p>Every method may throw a {@link TargetException} carrying the ESP error. Methods are called one at a time per
 * update; where {@link #mayBlock()} is true the engine calls them on its flash scheduler, never on an event loop.
 */
public interface OtaTarget {

    /** {@code OTA_SIZE_UNKNOWN}: {@link #begin} erases the whole partition. */
    long OTA_SIZE_UNKNOWN = 0xFFFFFFFFL;
    /** {@code OTA_WITH_SEQUENTIAL_WRITES}: {@link #begin} erases nothing; each sector is erased when first written. */
    long OTA_WITH_SEQUENTIAL_WRITES = 0xFFFFFFFEL;

    /** What the image header and descriptor checks compare against: chip, revision, eFuse secure version. */
    TargetIdentity identity();

    /** The partition table the device booted with. */
    PartitionTable partitionTable();

    /** {@code esp_ota_get_running_partition}; empty when nothing booted. */
    Optional<Partition> runningPartition();

    /** The running app's {@code esp_app_desc_t}, for the caller's policy. */
    Optional<AppDescription> runningApp();

    /**
     * {@code esp_ota_get_bootloader_description(NULL)}: the {@code esp_bootloader_desc_t} of the bootloader in flash
     * at the primary bootloader offset (the one the next reset starts), for the caller's policy on a bootloader
     * update; empty when it has none or the target cannot tell.
     */
    default Optional<BootloaderDescription> bootloaderDescription() {
        return Optional.empty();
    }

    /**
     * {@code esp_ota_get_next_update_partition}: the OTA slot after {@code start} (the running partition when null),
     * wrapping to ota_0; empty when the table has no OTA slot.
     */
    Optional<Partition> nextUpdatePartition(Partition start);

    /**
     * {@code esp_ota_begin}: opens an update of {@code partition}, erasing {@code imageSize} bytes rounded up to
     * sectors, the whole partition ({@link #OTA_SIZE_UNKNOWN}) or nothing yet ({@link #OTA_WITH_SEQUENTIAL_WRITES}).
     */
    OtaSession begin(Partition partition, long imageSize);

    /** {@code esp_ota_set_boot_partition}: verifies the app in {@code partition}, then makes it boot next. */
    void setBootPartition(Partition partition);

    /** {@code esp_ota_get_boot_partition}: what boots at the next reset. */
    Optional<Partition> bootPartition();

    /**
     * Verifies the image of {@code kind} written in {@code partition} with a Secure Boot V2 signature by {@code key}
     * (signed OTA without hardware secure boot); the verdict's findings say why it does not verify.
     */
    ImageVerification verifySignature(Partition partition, ImageKind kind, SecureBootKey key);

    /** Whether calls may block the calling thread (a file, a serial link); such calls never run on an event loop. */
    boolean mayBlock();

    /**
     * Pacing: how long the operations since the previous call take on real hardware and have not been waited for
     * (the flash timing model of a simulated chip). A real device, whose calls take their real time, returns zero.
     */
    default Duration drainBusyTime() {
        return Duration.ZERO;
    }

    /**
     * How this target continues an update after a reboot (the journal, {@code esp_ota_resume}, reads); empty (the
     * default) when it cannot, and every update starts at byte 0.
     */
    default Optional<OtaResumption> resumption() {
        return Optional.empty();
    }
}
