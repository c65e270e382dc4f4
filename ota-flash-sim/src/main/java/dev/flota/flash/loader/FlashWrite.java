package dev.flota.flash.loader;

import dev.flota.flash.nor.NorFlash;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * One FLASH_BEGIN or FLASH_DEFL_BEGIN in progress: where it writes, and how far it got. The ROM erased its region up
 * front and writes plain blocks where their sequence number puts them; the stub writes sequentially, trimmed to the
 * announced size, erasing sector by sector (whole 64 KiB blocks where they fit) just ahead of the data. Compressed data
 * is a zlib stream inflated as blocks arrive.
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
    private long position;
    private long erasedTo;
    private int nextSeq;

    FlashWrite(NorFlash flash, boolean compressed, boolean lazyErase, long offset, long size, int numBlocks,
            int blockSize) {
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
        flash.program(blockAddress(seq), block);
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
        long address = offset + position;
        if (lazyErase) {
            eraseThrough(address + length);
        }
        flash.program(address, bytes, from, length);
        position += length;
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
