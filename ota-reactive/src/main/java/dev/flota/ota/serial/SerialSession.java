package dev.flota.ota.serial;

import dev.flota.flash.EspError;
import dev.flota.flash.FormatException;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.TargetException;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.zip.Deflater;

/**
 * One update of a partition through the loader. The engine streams the image in views of at most 16 KiB, often of
 * unknown total size, while FLASH_DEFL_BEGIN needs the size and block count of what follows. So the image is cut into
 * segments (64 KiB on a ROM, 256 KiB with the stub: {@link FlashLoader#segmentSize()}), each deflated on its own and
 * written as one BEGIN/DATA(/END) run at its offset. A segment is a whole number of sectors, so the ROM's erase at
 * BEGIN (rounded out to 4 KiB) never touches a neighbour; it is large enough for zlib (a few percent worse than one
 * stream) and for the per-run round trips not to count (64 ROM blocks, 16 stub blocks), small enough to keep the
 * buffers small (below). One deflate run over the whole image would need its compressed length before the first
 * block, that is the whole image downloaded first.
 *
 * <p>Each segment is deflated as its views arrive, while the previous one is on the wire: a writer thread
 * ({@link SegmentWriter}) sends the finished segment's BEGIN/DATA/END run (the stub's FLASH_DEFL_END reports a failed
 * inflate or write, so it stays per segment), and {@link #write} returns once the view is deflated, so the link does
 * not idle at a segment boundary while the next one is downloaded and compressed. The session holds at most two
 * compressed segments, the one being deflated and the one being sent (each about 60% of
 * {@link FlashLoader#segmentSize()} for firmware, at worst a little over it), and of plain bytes only the sector being
 * filled: whole sectors are deflated, so a segment can be cut early at any sector ({@link #writtenThrough}, for the
 * resumption journal). A {@link #write} that completes a segment waits until the previous one was acknowledged. A
 * failed write is reported by the next {@link #write} or by {@link #end()}. The writer holds the target while it
 * sends ({@link SerialTarget#writeSegment}), so no other call on the link interleaves with its blocks.
 *
 * <p>What is sent (and, resuming, what flash already held) is hashed (MD5) and fed to an incremental
 * {@link ImageVerifier}; {@link #end()} compares SPI_FLASH_MD5 of the whole written region with that hash, then
 * returns the verifier's verdict, after copying a verified bootloader or partition table to its final partition when
 * asked ({@link FlashLoader#copy}: as ESP-IDF's {@code esp_partition_copy}, not power safe). An abort stops the writer
 * between blocks and returns once it stopped; nothing here touches otadata.
 */
final class SerialSession implements OtaSession {

    private static final int ALIGN = 4;
    private static final int SECTOR = 0x1000;
    private static final int PREFIX_CHUNK = 0x10000;
    private static final byte[] PADDING = {(byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF};

    private final SerialTarget target;
    private final FlashLoader loader;
    private final Partition staging;
    private final MessageDigest md5 = FlashLoader.md5();
    private final int segmentSize;
    private final Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION);
    private final byte[] deflated = new byte[0x4000];
    private final ByteArrayOutputStream compressed = new ByteArrayOutputStream();
    private final byte[] pending = new byte[SECTOR];
    private final long start;
    private final SegmentWriter writer;
    private byte[] knownPrefix;
    private Partition finalPartition;
    private boolean finalizeWithCopy;
    private ImageVerifier verifier;
    private byte[] tableHead;
    private int fill;
    private int pendingLength;
    private long flushed;
    private boolean started;
    private boolean open = true;

    SerialSession(SerialTarget target, Partition staging) {
        this(target, staging, 0, null);
    }

    /**
     * {@code esp_ota_resume}: a session whose first {@code start} bytes are already in flash. They are read back once
     * (from {@code knownPrefix} when the caller just read them, else through the loader), so the MD5 and the verifier
     * still cover the whole image; the part of the sector holding {@code start} is sent again with what follows.
     */
    SerialSession(SerialTarget target, Partition staging, long start, byte[] knownPrefix) {
        this.target = target;
        this.loader = target.loader();
        this.staging = staging;
        this.finalPartition = staging;
        this.segmentSize = loader.segmentSize();
        this.start = start;
        this.knownPrefix = knownPrefix;
        this.writer = new SegmentWriter(target, staging);
    }

    @Override
    public Partition partition() {
        return staging;
    }

    @Override
    public synchronized void setFinalPartition(Partition finalPartition, boolean copy) {
        requireOpen();
        target.requireInTable(finalPartition);
        if (started) {
            throw new TargetException(EspError.ESP_ERR_INVALID_STATE, "data was already written");
        }
        this.finalPartition = finalPartition;
        this.finalizeWithCopy = copy && !finalPartition.equals(staging);
    }

    @Override
    public synchronized void write(ByteBuffer data) {
        requireOpen();
        writer.reportFailure();
        int length = data.remaining();
        if (length == 0) {
            return;
        }
        if (written() + length > staging.size()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_SIZE, String.format(
                    "writing 0x%x bytes at 0x%x overruns partition '%s' (0x%x bytes)", length, written(),
                    staging.label(), staging.size()));
        }
        if (!started) {
            if (start == 0) {
                checkMagic(data);
            }
            startImage();
        }
        take(data);
    }

    /** The verifier for the final partition's kind, fed the bytes already in flash when resuming. */
    private void startImage() {
        started = true;
        ImageKind kind = kind();
        verifier = kind == null ? null : ImageVerifier.create(target.options(kind, staging));
        long aligned = start - start % SECTOR;
        for (long at = 0; at < aligned; at += PREFIX_CHUNK) {
            flushed = at;
            hash(ByteBuffer.wrap(prefix(at, (int) Math.min(PREFIX_CHUNK, aligned - at))));
        }
        flushed = aligned;
        knownPrefix = null;
        if (start > aligned) {
            take(ByteBuffer.wrap(prefix(aligned, (int) (start - aligned))));
        }
    }

    private byte[] prefix(long at, int length) {
        if (knownPrefix != null && knownPrefix.length >= at + length) {
            return Arrays.copyOfRange(knownPrefix, (int) at, (int) at + length);
        }
        return target.readFlash(staging.offset() + at, length);
    }

    /** Hashes and verifies {@code data}, then deflates it a whole sector at a time into the current segment. */
    private void take(ByteBuffer data) {
        hash(data.duplicate());
        while (data.hasRemaining()) {
            int n = Math.min(data.remaining(), SECTOR - pendingLength);
            data.get(pending, pendingLength, n);
            pendingLength += n;
            if (pendingLength == SECTOR) {
                deflatePending();
                if (fill == segmentSize) {
                    flush();
                }
            }
        }
    }

    private void hash(ByteBuffer data) {
        if (verifier != null) {
            verifier.update(data.duplicate());
        }
        if (finalPartition.type() == Partition.TYPE_PARTITION_TABLE && written() < PartitionTable.MAX_LENGTH) {
            keepTableHead(data.duplicate());
        }
        md5.update(data);
    }

    /**
     * The chip holds the image up to {@code end} once this returns, if this session was given those bytes: the
     * segment being deflated is sent early when it reaches {@code end} (segments end on sectors), and the one in
     * flight awaited. A journal must not record what is still on its way.
     */
    synchronized void writtenThrough(long end) {
        if (!open) {
            return;
        }
        if (end > flushed && end <= flushed + fill) {
            flush();
        }
        writer.awaitInFlight();
    }

    @Override
    public synchronized void writeWithOffset(ByteBuffer data, long offset) {
        if (offset != written()) {
            throw new TargetException(EspError.ESP_ERR_NOT_SUPPORTED, String.format(
                    "the serial target writes in order: 0x%x bytes at 0x%x, but 0x%x were written", data.remaining(),
                    offset, written()));
        }
        write(data);
    }

    @Override
    public synchronized Optional<ImageVerification> end() {
        requireOpen();
        open = false;
        if (!started && start > 0) {
            startImage();
        }
        if (written() == 0) {
            throw new TargetException(EspError.ESP_ERR_INVALID_ARG, "nothing was written");
        }
        if (writer.failed()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_STATE, "a write to '" + staging.label()
                    + "' failed; the session cannot end");
        }
        int padding = (ALIGN - pendingLength % ALIGN) % ALIGN;
        md5.update(PADDING, 0, padding);
        System.arraycopy(PADDING, 0, pending, pendingLength, padding);
        pendingLength += padding;
        try {
            deflatePending();
            flush();
            writer.awaitInFlight();
        } finally {
            deflater.end();
        }
        checkMd5();
        ImageKind kind = kind();
        if (kind != null) {
            ImageVerification verdict = verifier.finish();
            if (!verdict.valid()) {
                throw new TargetException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, "image in '" + staging.label()
                        + "' does not verify: " + verdict.findings());
            }
            target.verifiedBySession(staging, kind, verdict);
            copyToFinal();
            return Optional.of(verdict);
        }
        if (finalPartition.type() == Partition.TYPE_PARTITION_TABLE) {
            try {
                PartitionTable.parse(Arrays.copyOf(tableHead, PartitionTable.MAX_LENGTH))
                        .verify(finalPartition.offset());
            } catch (FormatException e) {
                throw new TargetException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, "partition table in '"
                        + staging.label() + "' is invalid: " + e.getMessage(), e);
            }
        }
        copyToFinal();
        return Optional.empty();
    }

    /** With {@code setFinalPartition(p, true)}: the verified staging contents into the final partition. */
    private void copyToFinal() {
        if (!finalizeWithCopy) {
            return;
        }
        if (finalPartition.size() > staging.size()) {
            throw new TargetException(EspError.ESP_ERR_INVALID_SIZE, "final partition '" + finalPartition.label()
                    + "' is larger than staging '" + staging.label() + "'");
        }
        loader.copy(staging.offset(), finalPartition.offset(), finalPartition.size(), writer::stopped);
    }

    @Override
    public void abort() {
        writer.stop();
        CompletableFuture<Void> writing;
        synchronized (this) {
            writing = writer.inFlight();
        }
        SegmentWriter.awaitStopped(writing);
        synchronized (this) {
            if (!open) {
                throw new TargetException(EspError.ESP_ERR_NOT_FOUND, "OTA session for '" + staging.label()
                        + "' is closed");
            }
            open = false;
            deflater.end();
        }
    }

    @Override
    public synchronized boolean isOpen() {
        return open;
    }

    private void deflatePending() {
        fill += pendingLength;
        deflater.setInput(pending, 0, pendingLength);
        pendingLength = 0;
        while (!deflater.needsInput()) {
            compressed.write(deflated, 0, deflater.deflate(deflated));
        }
    }

    /** Hands the segment deflated so far to the writer, once the previous one is written. */
    private void flush() {
        if (fill == 0) {
            return;
        }
        deflater.finish();
        while (!deflater.finished()) {
            compressed.write(deflated, 0, deflater.deflate(deflated));
        }
        byte[] bytes = compressed.toByteArray();
        int length = fill;
        long offset = staging.offset() + flushed;
        compressed.reset();
        deflater.reset();
        flushed += fill;
        fill = 0;
        writer.send(offset, length, bytes);
    }

    private void checkMd5() {
        byte[] expected = md5.digest();
        byte[] actual = loader.flashMd5(staging.offset(), flushed);
        if (!Arrays.equals(expected, actual)) {
            byte[] erased = new byte[(int) flushed];
            Arrays.fill(erased, (byte) 0xFF);
            String why = Arrays.equals(actual, FlashLoader.md5(erased))
                    ? "Write failed, the written flash region is empty."
                    : "MD5 of file does not match data in flash!";
            throw new LoaderException(LoaderException.Reason.MD5_MISMATCH, String.format(
                    "%s (0x%x bytes at 0x%x in '%s': sent %s, flash %s)", why, flushed, staging.offset(),
                    staging.label(), HexFormat.of().formatHex(expected), HexFormat.of().formatHex(actual)));
        }
    }

    private void keepTableHead(ByteBuffer data) {
        int start = (int) written();
        int n = Math.min(data.remaining(), PartitionTable.MAX_LENGTH - start);
        if (tableHead == null) {
            tableHead = new byte[PartitionTable.MAX_LENGTH];
            Arrays.fill(tableHead, (byte) 0xFF);
        }
        data.get(tableHead, start, n);
    }

    private void checkMagic(ByteBuffer data) {
        int type = finalPartition.type();
        int first = data.get(data.position()) & 0xFF;
        if ((type == Partition.TYPE_APP || type == Partition.TYPE_BOOTLOADER) && first != 0xE9) {
            throw new TargetException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, String.format(
                    "OTA image has invalid magic byte (expected 0xE9, saw 0x%02x)", first));
        }
    }

    private ImageKind kind() {
        int type = finalPartition.type();
        return type == Partition.TYPE_APP ? ImageKind.APP : type == Partition.TYPE_BOOTLOADER ? ImageKind.BOOTLOADER
                : null;
    }

    private long written() {
        return started ? flushed + fill + pendingLength : start;
    }

    private void requireOpen() {
        if (!open) {
            throw new TargetException(EspError.ESP_ERR_INVALID_ARG, "OTA session for '" + staging.label()
                    + "' is closed");
        }
    }
}
