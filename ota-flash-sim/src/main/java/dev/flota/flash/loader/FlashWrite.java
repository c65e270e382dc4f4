package dev.flota.flash.loader;

import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.nor.NorFlash;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * One FLASH_BEGIN or FLASH_DEFL_BEGIN in progress: where it writes, and how far it got. The ROM erased its region up
 * front and writes plain blocks where their sequence number puts them; the stub writes sequentially, trimmed to the
 * announced size, erasing sector by sector (whole 64 KiB blocks where they fit) just ahead of the data. Compressed data
 * is a zlib stream inflated as blocks arrive. An encrypted write ({@code esptool write-flash --encrypt}) programs the
 * device's ciphertext of the data instead, in whole units of the chip's encrypted-write size (32 bytes on ESP32, 16
 * elsewhere), the last one padded with 0xFF.
 */
final class FlashWrite {

    private final NorFlash flash;
    private final boolean compressed;
    private final boolean lazyErase;
    private final long offset;
    private final long size;
    private final int numBlocks;
    private final int blockSize;
    private final long eraseEnd;
    private final Inflater inflater;
    private final FlashCipher cipher;
    private final int unit;
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private long programmedTo;
    private long position;
    private long erasedTo;
    private int nextSeq;

    FlashWrite(NorFlash flash, boolean compressed, boolean lazyErase, long offset, long size, int numBlocks,
            int blockSize) {
        this(flash, compressed, lazyErase, offset, size, numBlocks, blockSize, null, 1);
    }

    /** An encrypted write when {@code cipher} is given: ciphertext in units of {@code unit} bytes. */
    FlashWrite(NorFlash flash, boolean compressed, boolean lazyErase, long offset, long size, int numBlocks,
            int blockSize, FlashCipher cipher, int unit) {
        this.flash = flash;
        this.compressed = compressed;
        this.lazyErase = lazyErase;
        this.offset = offset;
        this.size = size;
        this.numBlocks = numBlocks;
        this.blockSize = blockSize;
        this.erasedTo = alignDown(offset);
        this.eraseEnd = Math.min(alignUp(offset + size), flash.size());
        this.inflater = compressed ? new Inflater() : null;
        this.cipher = cipher;
        this.unit = unit;
        this.programmedTo = offset;
    }

    static long alignDown(long value) {
        return value / NorFlash.SECTOR_SIZE * NorFlash.SECTOR_SIZE;
    }

    static long alignUp(long value) {
        return (value + NorFlash.SECTOR_SIZE - 1) / NorFlash.SECTOR_SIZE * NorFlash.SECTOR_SIZE;
    }

    boolean compressed() {
        return compressed;
    }

    int numBlocks() {
        return numBlocks;
    }

    int blockSize() {
        return blockSize;
    }

    int nextSeq() {
        return nextSeq;
    }

    /** The ROM's up-front erase of {@code [offset, offset + size)} rounded out to sectors. */
    void eraseAll() {
        if (eraseEnd > erasedTo) {
            flash.eraseRange(erasedTo, eraseEnd - erasedTo);
        }
        erasedTo = eraseEnd;
    }

    /** The flash address of plain block {@code seq} (ROM). */
    long blockAddress(int seq) {
        return offset + (long) seq * blockSize;
    }

    /** ROM FLASH_DATA: the whole (padded) block at {@code offset + seq * block_size}. */
    void writeBlock(int seq, byte[] block) {
        if (cipher == null) {
            flash.program(blockAddress(seq), block);
        } else {
            byte[] padded = padded(block, block.length);
            cipher.encrypt(blockAddress(seq), padded, 0, padded.length);
            flash.program(blockAddress(seq), padded);
        }
        nextSeq = Math.max(nextSeq, seq + 1);
    }

    /**
     * Stub FLASH_DATA: the next bytes, trimmed to what is left of {@code size}.
     *
     * @return the bytes written
     */
    int writeSequential(byte[] block) {
        int n = (int) Math.min(block.length, size - position);
        write(block, 0, n);
        nextSeq++;
        return n;
    }

    /**
     * FLASH_DEFL_DATA: inflates {@code block} and writes what comes out after what came before.
     *
     * @return false when the output would run past {@code size} (nothing beyond it is written)
     * @throws DataFormatException when the stream is corrupt
     */
    boolean inflate(byte[] block, long limit) throws DataFormatException {
        inflater.setInput(block);
        byte[] out = new byte[64 * 1024];
        while (!inflater.finished()) {
            int n = inflater.inflate(out);
            if (n == 0) {
                if (inflater.needsDictionary()) {
                    throw new DataFormatException("the stream needs a preset dictionary");
                }
                break;
            }
            if (position + n > limit) {
                write(out, 0, (int) Math.max(0, limit - position));
                return false;
            }
            write(out, 0, n);
        }
        nextSeq++;
        return true;
    }

    /** Whether all announced bytes were written (and, compressed, the stream ended). */
    boolean complete() {
        return position >= size && (!compressed || inflater.finished());
    }

    long position() {
        return position;
    }

    long offset() {
        return offset;
    }

    long size() {
        return size;
    }

    void close() {
        if (inflater != null) {
            inflater.end();
        }
    }

    private void write(byte[] bytes, int from, int length) {
        if (length <= 0) {
            return;
        }
        position += length;
        if (cipher == null) {
            program(bytes, from, length);
            return;
        }
        pending.write(bytes, from, length);
        byte[] plain = pending.toByteArray();
        int whole = position >= size ? plain.length : plain.length / unit * unit;
        if (whole == 0) {
            return;
        }
        byte[] units = padded(plain, whole);
        cipher.encrypt(programmedTo, units, 0, units.length);
        program(units, 0, units.length);
        pending.reset();
        pending.write(plain, whole, plain.length - whole);
    }

    /** The first {@code length} bytes of {@code bytes}, padded with 0xFF to whole units. */
    private byte[] padded(byte[] bytes, int length) {
        byte[] out = Arrays.copyOf(bytes, (length + unit - 1) / unit * unit);
        Arrays.fill(out, length, out.length, (byte) 0xFF);
        return out;
    }

    private void program(byte[] bytes, int from, int length) {
        if (lazyErase) {
            eraseThrough(programmedTo + length);
        }
        flash.program(programmedTo, bytes, from, length);
        programmedTo += length;
    }

    private void eraseThrough(long end) {
        while (erasedTo < end && erasedTo < eraseEnd) {
            if (erasedTo % NorFlash.BLOCK_SIZE == 0 && eraseEnd - erasedTo >= NorFlash.BLOCK_SIZE) {
                flash.eraseBlock(erasedTo);
                erasedTo += NorFlash.BLOCK_SIZE;
            } else {
                flash.eraseSector(erasedTo);
                erasedTo += NorFlash.SECTOR_SIZE;
            }
        }
    }
}
