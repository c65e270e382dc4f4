package dev.flota.flash.ota;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.OtadataFlash;
import dev.flota.flash.device.PartitionImages;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaImgState;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * ESP-IDF's {@code esp_ota_ops.h} on a simulated {@link Device}: begin, write and end an update; switch, query and
 * confirm the boot partition; roll back. Errors are {@link OtaException}s carrying the ESP error, and every write to
 * otadata follows ESP-IDF's order (erase the entry's sector, then program it), so power cuts land where they would on
 * hardware.
 */
public final class OtaOperations {

    /** {@code OTA_SIZE_UNKNOWN}: erase the whole partition at begin. */
    public static final long OTA_SIZE_UNKNOWN = 0xFFFFFFFFL;
    /** {@code OTA_WITH_SEQUENTIAL_WRITES}: erase each sector when the first write reaches it. */
    public static final long OTA_WITH_SEQUENTIAL_WRITES = 0xFFFFFFFEL;

    private final Device device;
    private final List<OtaHandle> handles = new ArrayList<>();
    private final ImageChecks imageChecks;

    private OtaOperations(Device device) {
        this.device = Objects.requireNonNull(device);
        this.imageChecks = new ImageChecks(device);
    }

    public static OtaOperations on(Device device) {
        return new OtaOperations(device);
    }

    public Device device() {
        return device;
    }

    /** {@code esp_ota_get_running_partition}. */
    public Optional<Partition> getRunningPartition() {
        return device.runningPartition();
    }

    /**
     * {@code esp_ota_get_bootloader_description(NULL)}: the {@code esp_bootloader_desc_t} read from flash at the chip's
     * primary bootloader offset, past the image and first segment headers; empty ({@code ESP_ERR_NOT_FOUND}) when its
     * magic byte is not there.
     */
    public Optional<BootloaderDescription> getBootloaderDescription() {
        byte[] descriptor = device.flashView().read(device.chip().bootloaderOffset() + AppDescription.IMAGE_OFFSET,
                BootloaderDescription.SIZE);
        return BootloaderDescription.isPresent(descriptor, 0) ? Optional.of(BootloaderDescription.parse(descriptor, 0))
                : Optional.empty();
    }

    /**
     * {@code esp_ota_get_next_update_partition}: the OTA slot after {@code start} (the running partition when null),
     * wrapping to ota_0; ota_0 when a non-OTA app is running. Empty when the table has no OTA slots.
     */
    public Optional<Partition> getNextUpdatePartition(Partition start) {
        List<Partition> slots = table().otaApps();
        if (slots.isEmpty()) {
            return Optional.empty();
        }
        Partition from = start != null ? start : device.runningPartition().orElse(null);
        int index = from == null ? -1 : slots.indexOf(from);
        return Optional.of(slots.get(index < 0 ? 0 : (index + 1) % slots.size()));
    }

    /**
     * {@code esp_ota_begin}: checks the target, erases according to {@code imageSize} ({@link #OTA_SIZE_UNKNOWN} or 0:
     * the whole partition; {@link #OTA_WITH_SEQUENTIAL_WRITES}: lazily; else that many bytes rounded up to sectors)
     * and, with rollback, invalidates the inactive otadata entry so the bootloader cannot fall back into the slot
     * being overwritten.
     */
    public synchronized OtaHandle begin(Partition partition, long imageSize) {
        checkTarget(partition);
        if (device.properties().rollback() && partition.isOtaApp() && runningIsPendingVerify()) {
            throw new OtaException(EspError.ESP_ERR_OTA_ROLLBACK_INVALID_STATE,
                    "the running app is still PENDING_VERIFY: mark it valid or invalid first");
        }
        boolean lazy = imageSize == OTA_WITH_SEQUENTIAL_WRITES;
        if (!lazy && imageSize != OTA_SIZE_UNKNOWN && imageSize > partition.size()) {
            throw new OtaException(EspError.ESP_ERR_INVALID_SIZE, String.format(
                    "image of 0x%x bytes does not fit partition '%s' (0x%x)", imageSize, partition.label(),
                    partition.size()));
        }
        long erase = imageSize == OTA_SIZE_UNKNOWN || imageSize == 0 ? partition.size()
                : lazy ? 0 : alignUp(imageSize);
        FlashCalls.run(() -> {
            if (erase > 0) {
                device.flash().eraseRange(partition.offset(), erase);
            }
            if (device.properties().rollback() && partition.isOtaApp()) {
                invalidateInactiveOtadataSlot();
            }
        });
        OtaHandle handle = new OtaHandle(this, partition, lazy, lazy ? 0 : erase, 0, false);
        handles.add(handle);
        return handle;
    }

    /**
     * {@code esp_ota_resume}: continues writing a half-written partition at {@code offset}, without erasing what is
     * there; with sequential writes, the sector holding {@code offset} is taken as already erased unless the offset
     * is sector aligned.
     */
    public synchronized OtaHandle resume(Partition partition, long eraseSize, long offset) {
        checkTarget(partition);
        if (offset < 0 || offset > partition.size()) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "resume offset 0x" + Long.toHexString(offset)
                    + " is outside partition '" + partition.label() + "'");
        }
        if (device.flashView().encryptionOn() && offset % 16 != 0) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "resume offset 0x" + Long.toHexString(offset)
                    + " is not 16-byte aligned, as flash encryption needs");
        }
        boolean lazy = eraseSize == OTA_WITH_SEQUENTIAL_WRITES;
        long erasedUpTo = lazy ? alignUp(offset) : partition.size();
        OtaHandle handle = new OtaHandle(this, partition, lazy, erasedUpTo, offset, true);
        handles.add(handle);
        return handle;
    }

    /**
     * {@code esp_ota_set_boot_partition}: verifies the app, then makes it boot next. The factory app erases otadata;
     * an OTA slot gets the next sequence number in the inactive entry (or, if the active entry already points to it,
     * a state change in place). With anti-rollback an app below the eFuse secure version is erased and refused.
     */
    public synchronized void setBootPartition(Partition partition) {
        requireInTable(partition);
        ImageVerification image = imageChecks.verify(partition, ImageKind.APP);
        if (!image.valid()) {
            throw new OtaException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, "image in '" + partition.label()
                    + "' does not verify: " + image.findings());
        }
        if (partition.type() != Partition.TYPE_APP) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "'" + partition.label() + "' is not an app");
        }
        PartitionTable table = table();
        Optional<Partition> otadata = table.otadata();
        if (partition.subtype() == Partition.SUBTYPE_APP_FACTORY) {
            otadata.ifPresent(p -> FlashCalls.run(() -> OtadataFlash.erase(device.flash(), p)));
            return;
        }
        if (!partition.isOtaApp()) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "'" + partition.label()
                    + "' is neither the factory app nor an OTA slot");
        }
        long secureVersion = image.appDescription().map(AppDescription::secureVersion).orElse(0L);
        if (device.properties().antiRollback() && secureVersion < device.properties().efuseSecureVersion()) {
            FlashCalls.run(() -> device.flash().eraseRange(partition.offset(), partition.size()));
            throw new OtaException(EspError.ESP_ERR_OTA_SMALL_SEC_VER, "secure_version " + secureVersion
                    + " is below the eFuse's " + device.properties().efuseSecureVersion() + "; partition erased");
        }
        Partition otadataPartition = otadata.orElseThrow(() -> new OtaException(EspError.ESP_ERR_NOT_FOUND,
                "the partition table has no otadata partition"));
        int slot = partition.otaSlot().orElseThrow();
        int count = table.otaSlotCount();
        if (slot >= count) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "slot " + slot + " is beyond the " + count
                    + " OTA slots");
        }
        OtaData before = OtadataFlash.read(device.flashView(), otadataPartition);
        OtaData after = before.afterSetBoot(slot, count, device.properties().rollback());
        FlashCalls.run(() -> {
            OtadataFlash.writeChanges(device.flashView(), otadataPartition, before, after);
            // the boot switch ends an update's writes: a file-backed chip forces them out, and a fleet device
            // shares the sectors it wrote last instead of keeping its own copies of them
            device.flashView().raw().flush();
        });
    }

    /**
     * {@code esp_ota_revoke_secure_boot_public_key}: burns {@code SECURE_BOOT_KEY_REVOKEindex} once the running app
     * (and the bootloader in flash, when the device has one) verifies with another unrevoked key digest, so the device
     * cannot lock itself out (spec §2.6). A slot that is already empty (revoked or never burned) is left as is.
     *
     * @throws OtaException {@code ESP_ERR_NOT_SUPPORTED} on a chip without key revocation (ESP32, C2);
     *                      {@code ESP_ERR_INVALID_ARG} for an index outside 0..2; {@code ESP_FAIL} when Secure Boot is
     *                      off, the running app is not yet VALID (with rollback), or nothing else would verify
     */
    public synchronized void revokeSecureBootPublicKey(int index) {
        SecureBootKeyRevocation.revoke(this, index);
    }

    /**
     * {@code esp_ota_get_boot_partition}: what otadata says boots next: the active entry's slot, or the default
     * (factory, else the first OTA slot, else the test app) when otadata is blank or invalid.
     */
    public synchronized Optional<Partition> getBootPartition() {
        PartitionTable table = table();
        Optional<Partition> otadata = table.otadata();
        Optional<Partition> fallback = table.factory().or(() -> table.otaApp(0)).or(table::test);
        if (otadata.isEmpty() || table.otaSlotCount() == 0) {
            return fallback;
        }
        OptionalInt slot = OtadataFlash.read(device.flashView(), otadata.get()).bootSlot(table.otaSlotCount());
        return slot.isPresent() ? table.otaApp(slot.getAsInt()) : fallback;
    }

    /** {@code esp_ota_get_state_partition}: the otadata state recorded for an OTA slot. */
    public synchronized OtaImgState getStatePartition(Partition partition) {
        requireInTable(partition);
        if (!partition.isOtaApp()) {
            throw new OtaException(EspError.ESP_ERR_NOT_SUPPORTED, "'" + partition.label() + "' is not an OTA slot");
        }
        PartitionTable table = table();
        Partition otadata = table.otadata().orElseThrow(() -> new OtaException(EspError.ESP_ERR_NOT_FOUND,
                "no otadata partition"));
        OtaData data = OtadataFlash.read(device.flashView(), otadata);
        int slot = partition.otaSlot().orElseThrow();
        for (OtaSelectEntry entry : data.entries()) {
            if (entry.crcValid() && entry.seq() != 0xFFFFFFFFL && slotOf(entry, table.otaSlotCount()) == slot) {
                return OtaImgState.fromRaw(entry.state()).orElse(OtaImgState.UNDEFINED);
            }
        }
        throw new OtaException(EspError.ESP_ERR_NOT_FOUND, "no otadata entry for '" + partition.label() + "'");
    }

    /**
     * {@code esp_ota_get_last_invalid_partition}: the slot of the oldest INVALID or ABORTED entry, if its image still
     * verifies (so it can be chosen again on purpose).
     */
    public synchronized Optional<Partition> getLastInvalidPartition() {
        PartitionTable table = table();
        Optional<Partition> otadata = table.otadata();
        if (otadata.isEmpty() || table.otaSlotCount() == 0) {
            return Optional.empty();
        }
        OtaData data = OtadataFlash.read(device.flashView(), otadata.get());
        OtaSelectEntry oldest = null;
        for (OtaSelectEntry entry : data.entries()) {
            boolean invalidState = entry.state() == OtaImgState.INVALID.raw()
                    || entry.state() == OtaImgState.ABORTED.raw();
            if (entry.crcValid() && entry.seq() != 0xFFFFFFFFL && invalidState
                    && (oldest == null || entry.seq() < oldest.seq())) {
                oldest = entry;
            }
        }
        if (oldest == null) {
            return Optional.empty();
        }
        return table.otaApp(slotOf(oldest, table.otaSlotCount())).filter(p -> PartitionImages.verify(
                device.flashView(), p, device.verifyOptions(ImageKind.APP, p)).valid());
    }

    /**
     * {@code esp_ota_mark_app_valid_cancel_rollback}: the active otadata entry becomes VALID (rewritten in place);
     * with anti-rollback the eFuse is raised to the running app's secure version.
     */
    public synchronized void markAppValidCancelRollback() {
        PartitionTable table = table();
        Partition otadata = table.otadata().orElseThrow(() -> new OtaException(EspError.ESP_FAIL,
                "no otadata partition"));
        OtaData data = OtadataFlash.read(device.flashView(), otadata);
        int active = data.activeEntry();
        if (active < 0 || table.otaSlotCount() == 0) {
            throw new OtaException(EspError.ESP_FAIL, "running firmware is factory: nothing to confirm");
        }
        OtaSelectEntry entry = data.entry(active);
        if (entry.state() != OtaImgState.VALID.raw()) {
            FlashCalls.run(() -> OtadataFlash.writeEntry(device.flashView(), otadata, active,
                    entry.rewritten(entry.seq(), OtaImgState.VALID)));
        }
        if (device.properties().antiRollback()) {
            device.runningApp().ifPresent(app -> device.burnSecureVersion(
                    Math.max(app.secureVersion(), device.properties().efuseSecureVersion())));
        }
    }

    /**
     * {@code esp_ota_mark_app_invalid_rollback_and_reboot}: when another app could boot, the active entry becomes
     * INVALID and the device restarts into the previous app; otherwise {@code ESP_ERR_OTA_ROLLBACK_FAILED}.
     */
    public synchronized void markAppInvalidRollbackAndReboot() {
        PartitionTable table = table();
        Partition otadata = table.otadata().orElseThrow(() -> new OtaException(EspError.ESP_ERR_OTA_ROLLBACK_FAILED,
                "no otadata partition"));
        OtaData data = OtadataFlash.read(device.flashView(), otadata);
        int active = data.activeEntry();
        if (active < 0 || !RollbackCheck.isPossible(device, table, data, active)) {
            throw new OtaException(EspError.ESP_ERR_OTA_ROLLBACK_FAILED, "no other app to roll back to");
        }
        OtaSelectEntry entry = data.entry(active);
        FlashCalls.run(() -> OtadataFlash.writeEntry(device.flashView(), otadata, active,
                entry.rewritten(entry.seq(), OtaImgState.INVALID)));
        device.reboot();
    }

    void closed(OtaHandle handle) {
        synchronized (this) {
            handles.remove(handle);
        }
    }

    void requireInTable(Partition partition) {
        if (partition == null) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "partition is NULL");
        }
        if (!table().partitions().contains(partition)) {
            throw new OtaException(EspError.ESP_ERR_NOT_FOUND, "'" + partition.label() + "' is not in the table");
        }
    }

    private void checkTarget(Partition partition) {
        requireInTable(partition);
        if (partition.type() == Partition.TYPE_APP && !partition.isOtaApp()) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "'" + partition.label()
                    + "' is an app but not an OTA slot");
        }
        if (device.runningPartition().filter(partition::equals).isPresent()) {
            throw new OtaException(EspError.ESP_ERR_OTA_PARTITION_CONFLICT, "'" + partition.label()
                    + "' is the running partition");
        }
    }

    private boolean runningIsPendingVerify() {
        Optional<Partition> running = device.runningPartition().filter(Partition::isOtaApp);
        if (running.isEmpty()) {
            return false;
        }
        try {
            return getStatePartition(running.get()) == OtaImgState.PENDING_VERIFY;
        } catch (OtaException e) {
            return false;
        }
    }

    /** {@code esp_ota_invalidate_inactive_ota_data_slot}, used by begin with rollback. */
    private void invalidateInactiveOtadataSlot() {
        PartitionTable table = table();
        Optional<Partition> otadata = table.otadata();
        if (otadata.isEmpty() || table.otaSlotCount() == 0) {
            return;
        }
        OtaData data = OtadataFlash.read(device.flashView(), otadata.get());
        int active = data.activeEntry();
        if (active < 0) {
            return;
        }
        OtaSelectEntry inactive = data.entry(1 - active);
        Optional<Partition> inactiveSlot = table.otaApp(slotOf(inactive, table.otaSlotCount()));
        if (inactive.isValid() && !inactiveSlot.equals(device.runningPartition())) {
            device.flash().eraseSector(otadata.get().offset() + (long) (1 - active) * OtaData.SECTOR_SIZE);
        }
    }

    private PartitionTable table() {
        return device.partitionTable();
    }

    static int slotOf(OtaSelectEntry entry, int count) {
        return (int) (((entry.seq() - 1) & 0xFFFFFFFFL) % count);
    }

    private static long alignUp(long bytes) {
        return (bytes + NorFlash.SECTOR_SIZE - 1) / NorFlash.SECTOR_SIZE * NorFlash.SECTOR_SIZE;
    }

    ImageChecks imageChecks() {
        return imageChecks;
    }
}
