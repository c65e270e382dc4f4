package dev.flota.ota.pipeline;

import dev.flota.flash.partition.Partition;
import dev.flota.ota.encrypted.EncryptedImageHeader;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.ResumptionStore;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The resumption journal as it is kept in the {@code ota_resumption} NVS namespace: ESP-IDF's two keys, which its
 * {@code advanced_https_ota} example reads, and Flota's, for what that example cannot tell.
 *
 * <ul>
 * <li>{@code nvs_ota_wr_len} (U16): the bytes in flash, in KiB; {@code nvs_ota_url} (STR): the URL;</li>
 * <li>{@code flota_validator} (STR): the strong ETag or Last-Modified for {@code If-Range}; {@code flota_size} (U32):
 * the image's size as served; {@code flota_part} (STR): the staging partition;</li>
 * <li>{@code flota_head} (BLOB): SHA-256 of the first {@link #HEAD} bytes of the image in flash;</li>
 * <li>{@code flota_sector} (BLOB): the offset (u32, little-endian) the flash holds the image up to, then SHA-256 of
 * the sector before it, re-read on resume, then the bytes the update will have wasted if it resumes from that offset
 * (u32, little-endian; absent from a 36-byte record, read as 0);</li>
 * <li>{@code flota_enc_hdr} (BLOB): for a pre-encrypted image, its 512-byte header (the GCM state is recomputed from
 * the plaintext in flash, see {@link #continuation}).</li>
 * </ul>
 *
 * <p>A commit writes {@code flota_sector} before {@code nvs_ota_wr_len}, and the first commit of an update writes the
 * identity keys before both; each set is power-safe, so after a cut the journal either lacks a key (and nothing is
 * resumed) or its sector record names bytes the flash holds.
 *
 * @param offset      the plaintext offset the flash holds the image up to: a multiple of the sector size
 * @param wastedBytes the bytes received by the runs so far that a resume from {@code offset} does not use: what they
 *                    wasted, and what they received past {@code offset}, as of the commit (what a run receives
 *                    after its last commit is lost to a cut uncounted)
 */
public record ResumeJournal(String url, String validator, long imageSize, String partition, byte[] headDigest, long offset,
        byte[] sectorDigest, byte[] encryptedHeader, long wastedBytes) {

    public static final String WR_LEN = "nvs_ota_wr_len";
    public static final String URL = "nvs_ota_url";
    public static final String VALIDATOR = "flota_validator";
    public static final String SIZE = "flota_size";
    public static final String PARTITION = "flota_part";
    public static final String HEAD = "flota_head";
    public static final String SECTOR = "flota_sector";
    public static final String ENCRYPTED_HEADER = "flota_enc_hdr";

    /** The image prefix whose digest is kept. */
    public static final int HEAD_BYTES = 4096;
    /** Commits fall on sector boundaries: whole KiB for ESP-IDF's key, whole AES blocks for GCM. */
    public static final int SECTOR_SIZE = 4096;
    /** The {@code flota_sector} record: offset, digest, bytes wasted. */
    private static final int SECTOR_RECORD = 40;

    /** The journal, when every key it needs is there and consistent; else empty. */
    public static Optional<ResumeJournal> read(ResumptionStore store) {
        Optional<String> validator = store.getString(VALIDATOR);
        var size = store.getU32(SIZE);
        Optional<byte[]> sector = store.getBlob(SECTOR);
        var kib = store.getU16(WR_LEN);
        Optional<byte[]> head = store.getBlob(HEAD);
        Optional<String> partition = store.getString(PARTITION);
        if (validator.isEmpty() || size.isEmpty() || sector.isEmpty() || kib.isEmpty() || head.isEmpty()
                || partition.isEmpty() || sector.get().length != 36 && sector.get().length != SECTOR_RECORD) {
            return Optional.empty();
        }
        ByteBuffer record = ByteBuffer.wrap(sector.get()).order(ByteOrder.LITTLE_ENDIAN);
        long offset = record.getInt(0) & 0xFFFFFFFFL;
        long wasted = sector.get().length == SECTOR_RECORD ? record.getInt(36) & 0xFFFFFFFFL : 0;
        if (offset % SECTOR_SIZE != 0 || offset == 0 || kib.getAsInt() * 1024L > offset) {
            return Optional.empty();
        }
        return Optional.of(new ResumeJournal(store.getString(URL).orElse(""), validator.get(), size.getAsLong(),
                partition.get(), head.get(), offset, Arrays.copyOfRange(sector.get(), 4, 36),
                store.getBlob(ENCRYPTED_HEADER).orElse(null), wasted));
    }

    /**
     * Why the flash does not hold what this journal records for {@code staging}, or null when it does: the partition,
     * the first bytes, and the last committed sector are read back and compared.
     *
     * @param plaintext the image's first {@link #offset()} bytes as read from flash, or null to read only what the
     *                  checks need
     */
    public String mismatch(OtaResumption device, Partition staging, byte[] plaintext) {
        if (!staging.label().equals(partition)) {
            return "the journal is for partition '" + partition + "', the update writes '" + staging.label() + "'";
        }
        if (offset > staging.size()) {
            return "the journal's offset " + offset + " is outside partition '" + staging.label() + "'";
        }
        int head = (int) Math.min(HEAD_BYTES, offset);
        byte[] first = plaintext != null ? Arrays.copyOf(plaintext, head) : device.read(staging, 0, head);
        if (!MessageDigest.isEqual(sha256(first, 0, first.length), headDigest)) {
            return "the first " + head + " bytes in flash are not the journal's";
        }
        byte[] last = plaintext != null ? Arrays.copyOfRange(plaintext, (int) offset - SECTOR_SIZE, (int) offset)
                : device.read(staging, offset - SECTOR_SIZE, SECTOR_SIZE);
        if (!MessageDigest.isEqual(sha256(last, 0, last.length), sectorDigest)) {
            return "the sector before offset " + offset + " in flash is not the one the journal committed";
        }
        return null;
    }

    /**
     * What an update continues from, or empty for a fresh start: the journal in {@code store}, checked against the
     * flash (the partition, the kind of image, the first bytes, the last committed sector). For a pre-encrypted image
     * the whole plaintext in flash up to the offset is read, to recompute the GCM tag state from it
     * ({@code EncryptedImages.resume}) rather than persist it: persisting the GHASH accumulator would need a GHASH of
     * Flota's own beside the JDK's GCM, whose state cannot be set from outside; the plaintext in flash is what the tag
     * must cover anyway, so a flash that no longer holds it fails the tag instead of booting; and re-encrypting it
     * runs at AES-GCM speed, after one read of the offset's bytes (a local flash read on a device). A journal that
     * does not fit is erased, and {@code discarded} told its offset, why, and what it cost (read before the erase).
     *
     * @param encrypted whether this update decrypts a pre-encrypted image
     */
    public static Optional<Continuation> continuation(OtaResumption device, ResumptionStore store, Partition staging,
            boolean encrypted, Consumer<Discarded> discarded) {
        Optional<ResumeJournal> found = read(store);
        if (found.isEmpty()) {
            return Optional.empty();
        }
        ResumeJournal journal = found.get();
        long plaintextSize = journal.imageSize() - (encrypted ? EncryptedImageHeader.SIZE : 0);
        String refusal = encrypted != (journal.encryptedHeader() != null)
                ? "the journal is for a " + (encrypted ? "plain" : "pre-encrypted") + " image"
                : journal.offset() > plaintextSize ? "the journal's offset is past the image's end" : null;
        byte[] plaintext = null;
        if (refusal == null) {
            plaintext = encrypted ? device.read(staging, 0, (int) journal.offset()) : null;
            refusal = journal.mismatch(device, staging, plaintext);
        }
        if (refusal != null) {
            long fetched = journal.offset() + (journal.encryptedHeader() != null ? EncryptedImageHeader.SIZE : 0);
            long wasted = journal.partition().equals(staging.label()) ? journal.wastedBytes() + fetched : 0;
            discarded.accept(new Discarded(journal.offset(), refusal, wasted));
            store.eraseAll();
            return Optional.empty();
        }
        return Optional.of(new Continuation(journal, plaintext));
    }

    /**
     * A journal that was erased instead of resumed.
     *
     * @param offset      the offset it recorded
     * @param reason      why it does not fit
     * @param wastedBytes what the runs it recorded received and the update now fetches again: their waste and the
     *                    bytes they had kept; 0 for a journal of another partition (an update that finished, with
     *                    its own count)
     */
    public record Discarded(long offset, String reason, long wastedBytes) {
    }

    /**
     * A journal that fits the flash, to continue from.
     *
     * @param plaintext for a pre-encrypted image, its plaintext in flash up to the journal's offset; else null
     */
    public record Continuation(ResumeJournal journal, byte[] plaintext) {

        /** Where the download goes on in the served file: past the header of a pre-encrypted image. */
        public long fetchOffset() {
            return journal.offset() + (plaintext != null ? EncryptedImageHeader.SIZE : 0);
        }
    }

    /** The first commit of an update: the identity keys, after clearing any older journal. */
    static void start(ResumptionStore store, String url, String validator, long imageSize, Partition staging,
            byte[] head, byte[] encryptedHeader) {
        store.eraseAll();
        store.setString(URL, url);
        store.setString(VALIDATOR, validator);
        store.setU32(SIZE, imageSize);
        store.setString(PARTITION, staging.label());
        store.setBlob(HEAD, sha256(head, 0, head.length));
        if (encryptedHeader != null) {
            store.setBlob(ENCRYPTED_HEADER, encryptedHeader);
        }
    }

    /**
     * A commit: the flash holds the image up to {@code offset}, {@code sector} is the sector before it, and a resume
     * from there will have wasted {@code wasted} bytes.
     */
    static void commit(ResumptionStore store, long offset, byte[] sector, long wasted) {
        ByteBuffer record = ByteBuffer.allocate(SECTOR_RECORD).order(ByteOrder.LITTLE_ENDIAN).putInt((int) offset)
                .put(sha256(sector, 0, sector.length)).putInt((int) Math.min(wasted, 0xFFFFFFFFL));
        store.setBlob(SECTOR, record.array());
        store.setU16(WR_LEN, (int) ((offset / 1024) & 0xFFFF));
    }

    static byte[] sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            digest.update(bytes, offset, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
