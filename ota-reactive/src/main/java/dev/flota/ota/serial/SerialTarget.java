package dev.flota.ota.serial;

import dev.flota.flash.EspError;
import dev.flota.flash.FormatException;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.flash.serial.SecurityInfo;
import dev.flota.ota.serial.link.ResetSequence;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.OtaTarget;
import dev.flota.ota.target.TargetException;
import dev.flota.ota.target.TargetIdentity;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A real chip behind its serial ROM loader as an {@link OtaTarget}, as esptool drives it: the partition table and
 * otadata are read from the chip's own flash, the passive OTA slot written in compressed blocks paced by the chip's
 * acks, checked by SPI_FLASH_MD5 against what was sent, and otadata switched by the simulator's own rule
 * ({@link OtaData#afterSetBoot}), each changed entry's sector erased and programmed as ESP-IDF does. Over the ROM
 * alone on every chip, faster with a flasher stub ({@link SerialConnector#stub}).
 *
 * <p>What runs is what otadata selects (the chip sits in download mode). The identity has the chip, its revision, the
 * anti-rollback secure version and the eFuse block revision, read from eFuse at connect; anti-rollback counts as on
 * when a secure version is burned (ESP-IDF burns one only with {@code CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK}).
 * A chip in Secure Download Mode, or with flash encryption on, is refused at connect with a {@link LoaderException}
 * ({@link LoaderException.Reason#SECURE_DOWNLOAD_MODE}, {@link LoaderException.Reason#FLASH_ENCRYPTED}): the loader
 * reads flash raw, so its partition table, otadata and app are ciphertext, and a plain write would brick it. Calls
 * block: {@link #mayBlock()} is true.
 * With an NVS partition in the table it resumes updates ({@link #resumption()}): the journal in that partition,
 * written in place (over the ROM's FLASH_DATA, or with the stub by page programs through the SPI registers).
 * {@link #close()} hard-resets a real port into the (new) app and closes the link.
 */
public final class SerialTarget implements OtaTarget, AutoCloseable {

    private static final int VERIFY_CHUNK = 0x1000;

    private final FlashLoader loader;
    private final boolean rollback;
    private final boolean resetAfter;
    private final ResetSequence.Sleeper sleeper;
    private final PartitionTable table;
    private final Optional<Partition> running;
    private final Optional<AppDescription> runningApp;
    private Verified lastVerified;
    private volatile SerialSession session;
    private boolean closed;

    private record Verified(Partition partition, ImageKind kind, ImageVerification verdict) {
    }

    SerialTarget(FlashLoader loader, boolean rollback, boolean resetAfter, ResetSequence.Sleeper sleeper,
            PartitionTable table, Optional<Partition> running, Optional<AppDescription> runningApp) {
        this.loader = loader;
        this.rollback = rollback;
        this.resetAfter = resetAfter;
        this.sleeper = sleeper;
        this.table = table;
        this.running = running;
        this.runningApp = runningApp;
    }

    /** The chip on {@code port}: a serial device name or path, or {@code socket://host:port}. */
    public static SerialConnector port(String port) {
        return SerialConnector.port(port);
    }

    /** The chip behind a link of the caller's (an in-memory loader in tests, a tunnel). */
    public static SerialConnector link(SerialConnector.LinkOpener opener, String description) {
        return SerialConnector.link(opener, description);
    }

    static OtaData readOtadata(FlashLoader loader, PartitionTable table) {
        Partition otadata = table.otadata().orElseThrow();
        try {
            return OtaData.parseEntries(loader.readFlash(otadata.offset(), OtaSelectEntry.SIZE),
                    loader.readFlash(otadata.offset() + OtaData.SECTOR_SIZE, OtaSelectEntry.SIZE));
        } catch (FormatException e) {
            throw new TargetException(EspError.ESP_ERR_OTA_SELECT_INFO_INVALID, "otadata unreadable: "
                    + e.getMessage(), e);
        }
    }

    /** The chip, as detected. */
    public Chip chip() {
        return loader.chip();
    }

    /** Whether the flasher stub runs (uploaded, or found running); else the ROM dialect is used. */
    public boolean usesStub() {
        return loader.stub();
    }

    /** The base MAC from eFuse. */
    public byte[] mac() {
        return loader.mac();
    }

    /** GET_SECURITY_INFO as read at connect; empty on ESP32, whose ROM has no such command. */
    public Optional<SecurityInfo> securityInfo() {
        return loader.security().info();
    }

    /** The flash size from the chip's JEDEC ID. */
    public long flashSize() {
        return loader.flashSize();
    }

    @Override
    public TargetIdentity identity() {
        ChipSecurity security = loader.security();
        return new TargetIdentity(loader.chip(), loader.revision(), security.secureVersion() > 0,
                security.secureVersion(), security.blockRevision());
    }

    @Override
    public PartitionTable partitionTable() {
        return table;
    }

    @Override
    public Optional<Partition> runningPartition() {
        return running;
    }

    @Override
    public Optional<AppDescription> runningApp() {
        return runningApp;
    }

    @Override
    public synchronized Optional<BootloaderDescription> bootloaderDescription() {
        requireOpen();
        byte[] bytes = loader.readFlash(loader.chip().bootloaderOffset() + AppDescription.IMAGE_OFFSET,
                BootloaderDescription.SIZE);
        return BootloaderDescription.isPresent(bytes, 0) ? Optional.of(BootloaderDescription.parse(bytes, 0))
                : Optional.empty();
    }

    @Override
    public Optional<Partition> nextUpdatePartition(Partition start) {
        List<Partition> slots = table.otaApps();
        if (slots.isEmpty()) {
            return Optional.empty();
        }
        Partition from = start != null ? start : running.orElse(null);
        int index = from == null ? -1 : slots.indexOf(from);
        return Optional.of(slots.get(index < 0 ? 0 : (index + 1) % slots.size()));
    }

    @Override
    public synchronized OtaSession begin(Partition partition, long imageSize) {
        checkUpdatable(partition);
        boolean known = imageSize != OTA_SIZE_UNKNOWN && imageSize != OTA_WITH_SEQUENTIAL_WRITES;
        if (known && imageSize > partition.size()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_SIZE, String.format(
                    "image of 0x%x bytes does not fit partition '%s' (0x%x)", imageSize, partition.label(),
                    partition.size()));
        }
        if (imageSize == OTA_SIZE_UNKNOWN || imageSize == 0) {
            loader.eraseRegion(partition.offset(), (int) partition.size());
        }
        return openSession(new SerialSession(this, partition));
    }

    /**
     * Resumption, the journal in the table's first NVS partition ({@link SerialResumption}); empty
     * when the table has none, as on the simulator: there is nowhere to keep a journal, and updates start at 0.
     */
    @Override
    public Optional<OtaResumption> resumption() {
        return table.partitions().stream()
                .filter(p -> p.type() == Partition.TYPE_DATA && p.subtype() == Partition.SUBTYPE_DATA_NVS)
                .findFirst().map(nvs -> new SerialResumption(this, nvs));
    }

    @Override
    public synchronized void setBootPartition(Partition partition) {
        requireOpen();
        requireInTable(partition);
        if (partition.type() != Partition.TYPE_APP) {
            throw new TargetException(EspError.ESP_ERR_INVALID_ARG, "'" + partition.label() + "' is not an app");
        }
        ImageVerification image = verified(partition, ImageKind.APP);
        if (!image.valid()) {
            throw new TargetException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, "image in '" + partition.label()
                    + "' does not verify: " + image.findings());
        }
        Optional<Partition> otadata = table.otadata();
        if (partition.subtype() == Partition.SUBTYPE_APP_FACTORY) {
            otadata.ifPresent(p -> loader.eraseRegion(p.offset(), OtaData.SIZE));
            return;
        }
        if (!partition.isOtaApp()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_ARG, "'" + partition.label()
                    + "' is neither the factory app nor an OTA slot");
        }
        Partition otadataPartition = otadata.orElseThrow(() -> new TargetException(EspError.ESP_ERR_NOT_FOUND,
                "the partition table has no otadata partition"));
        OtaData before = readOtadata(loader, table);
        OtaData after = before.afterSetBoot(partition.otaSlot().orElseThrow(), table.otaSlotCount(), rollback);
        for (int i : before.changedEntries(after)) {
            long sector = otadataPartition.offset() + (long) i * OtaData.SECTOR_SIZE;
            byte[] entry = after.entry(i).encode();
            loader.writeSectorStart(sector, entry);
            byte[] back = loader.readFlash(sector, OtaSelectEntry.SIZE);
            if (!Arrays.equals(back, entry)) {
                throw new TargetException(EspError.ESP_ERR_FLASH_OP_FAIL, String.format(
                        "otadata entry %d at 0x%x did not read back as written", i, sector));
            }
        }
    }

    @Override
    public synchronized Optional<Partition> bootPartition() {
        requireOpen();
        Optional<Partition> otadata = table.otadata();
        Optional<Partition> fallback = table.factory().or(() -> table.otaApp(0)).or(table::test);
        if (otadata.isEmpty() || table.otaSlotCount() == 0) {
            return fallback;
        }
        OptionalInt slot = readOtadata(loader, table).bootSlot(table.otaSlotCount());
        return slot.isPresent() ? table.otaApp(slot.getAsInt()) : fallback;
    }

    @Override
    public synchronized ImageVerification verifySignature(Partition partition, ImageKind kind, SecureBootKey key) {
        requireOpen();
        return verifyInFlash(partition, options(kind, partition).signaturePolicy(SignaturePolicy.signedOnUpdate(key)));
    }

    @Override
    public boolean mayBlock() {
        return true;
    }

    /** HardReset on a real port (unless {@code resetAfter(false)}), so the chip boots; then closes the link. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (resetAfter) {
                loader.hardReset(sleeper);
            }
        } finally {
            loader.close();
        }
    }

    @Override
    public String toString() {
        return "SerialTarget[" + loader.chip().displayName() + " on " + loader.description() + ", "
                + (loader.stub() ? "stub" : "ROM") + "]";
    }

    FlashLoader loader() {
        return loader;
    }

    VerifyOptions options(ImageKind kind, Partition partition) {
        return VerifyOptions.defaults().device(loader.chip(), loader.revision())
                .efuseBlockRevision(loader.security().blockRevision())
                .expectKind(kind).partitionSize(partition.size());
    }

    /** A partition {@link #begin} or a resume may write: in the table, not the running app, an OTA slot if an app. */
    synchronized void checkUpdatable(Partition partition) {
        requireOpen();
        requireInTable(partition);
        if (partition.type() == Partition.TYPE_APP && !partition.isOtaApp()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_ARG, "'" + partition.label()
                    + "' is an app but not an OTA slot");
        }
        if (running.filter(partition::equals).isPresent()) {
            throw new TargetException(EspError.ESP_ERR_OTA_PARTITION_CONFLICT, "'" + partition.label()
                    + "' is the running partition");
        }
    }

    synchronized SerialSession openSession(SerialSession opened) {
        lastVerified = null;
        session = opened;
        return opened;
    }

    /** The session last opened on {@code partition}, while it is open (not holding this target: it may be writing). */
    Optional<SerialSession> openSession(Partition partition) {
        SerialSession open = session;
        return open != null && open.isOpen() && open.partition().equals(partition) ? Optional.of(open)
                : Optional.empty();
    }

    synchronized byte[] readFlash(long address, int length) {
        requireOpen();
        return loader.readFlash(address, length);
    }

    /** {@code call} holding this target, the link's one user. */
    synchronized <T> T onLink(Supplier<T> call) {
        requireOpen();
        return call.get();
    }

    /** A session's segment, sent while holding this target: the link has one user at a time. */
    synchronized void writeSegment(long offset, int length, byte[] compressed, BooleanSupplier stop) {
        requireOpen();
        loader.writeCompressed(offset, length, compressed, stop);
    }

    synchronized void verifiedBySession(Partition partition, ImageKind kind, ImageVerification verdict) {
        lastVerified = new Verified(partition, kind, verdict);
    }

    void requireInTable(Partition partition) {
        if (partition == null) {
            throw new TargetException(EspError.ESP_ERR_INVALID_ARG, "partition is NULL");
        }
        if (!table.partitions().contains(partition)) {
            throw new TargetException(EspError.ESP_ERR_NOT_FOUND, "'" + partition.label() + "' is not in the table");
        }
    }

    synchronized void requireOpen() {
        if (closed) {
            throw new TargetException(EspError.ESP_ERR_INVALID_STATE, "the serial link to the chip is closed");
        }
    }

    /** The session's verdict when this partition was just written and checked; else read back and verified. */
    private ImageVerification verified(Partition partition, ImageKind kind) {
        Verified known = lastVerified;
        if (known != null && known.partition().equals(partition) && known.kind() == kind) {
            return known.verdict();
        }
        return verifyInFlash(partition, options(kind, partition));
    }

    private ImageVerification verifyInFlash(Partition partition, VerifyOptions options) {
        ImageVerifier verifier = ImageVerifier.create(options);
        for (long offset = 0; offset < partition.size() && verifier.needsMoreInput(); offset += VERIFY_CHUNK) {
            int n = (int) Math.min(VERIFY_CHUNK, partition.size() - offset);
            verifier.update(ByteBuffer.wrap(loader.readFlash(partition.offset() + offset, n)));
        }
        return verifier.finish();
    }
}
