package dev.flota.flash.nor;

import java.util.Arrays;
import java.util.BitSet;

/**
 * The whole chip in one byte array, with the sectors known to be erased remembered: erasing one of those, or
 * programming into it, needs no scan of its cells (a fresh device's whole partition, on every update).
 */
final class MemoryStorage implements FlashStorage {

    private static final int SECTOR = NorFlash.SECTOR_SIZE;

    private final byte[] bytes;
    private final BitSet erasedSectors;

    MemoryStorage(long size) {
        if (size <= 0 || size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("in-memory flash holds 1 byte to 2 GiB, asked for " + size);
        }
        bytes = new byte[(int) size];
        Arrays.fill(bytes, (byte) 0xFF);
        erasedSectors = new BitSet();
        erasedSectors.set(0, (int) (size / SECTOR));
    }

    /** The chip itself, for {@link NorFlash} to lend to a reader. */
    byte[] cells() {
        return bytes;
    }

    @Override
    public long size() {
        return bytes.length;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public void read(long address, byte[] into, int offset, int length) {
        System.arraycopy(bytes, (int) address, into, offset, length);
    }

    @Override
    public void write(long address, byte[] from, int offset, int length) {
        touched(address, length);
        System.arraycopy(from, offset, bytes, (int) address, length);
    }

    @Override
    public void programAnd(long address, byte[] from, int offset, int length) {
        if (knownErased(address, length)) {
            write(address, from, offset, length);
            return;
        }
        touched(address, length);
        ErasedBytes.and(bytes, (int) address, from, offset, length);
    }

    @Override
    public int firstOneOverZero(long address, byte[] from, int offset, int length) {
        if (knownErased(address, length)) {
            return -1;
        }
        return ErasedBytes.firstOneOverZero(bytes, (int) address, from, offset, length);
    }

    /** Where nothing needs a 1 over a 0, ANDing gives {@code from} itself: a plain copy. */
    @Override
    public int programIfProgrammable(long address, byte[] from, int offset, int length) {
        int bad = firstOneOverZero(address, from, offset, length);
        if (bad < 0) {
            write(address, from, offset, length);
        }
        return bad;
    }

    /** Cells already erased are left alone: reading them costs less than writing them again. */
    @Override
    public void erase(long address, int length) {
        if (knownErased(address, length)) {
            return;
        }
        if (!ErasedBytes.isErased(bytes, (int) address, length)) {
            Arrays.fill(bytes, (int) address, (int) address + length, (byte) 0xFF);
        }
        int first = (int) ((address + SECTOR - 1) / SECTOR);
        int end = (int) ((address + length) / SECTOR);
        if (first < end) {
            erasedSectors.set(first, end);
        }
    }

    /** True when every sector that {@code [address, address + length)} touches is known to be all 0xFF. */
    private boolean knownErased(long address, int length) {
        if (length <= 0) {
            return true;
        }
        int first = (int) (address / SECTOR);
        int last = (int) ((address + length - 1) / SECTOR);
        return erasedSectors.nextClearBit(first) > last;
    }

    private void touched(long address, int length) {
        if (length > 0) {
            erasedSectors.clear((int) (address / SECTOR), (int) ((address + length - 1) / SECTOR) + 1);
        }
    }
}
