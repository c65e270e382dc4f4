package dev.flota.flash.nor;

import java.util.Arrays;

/** The whole chip in one byte array. */
final class MemoryStorage implements FlashStorage {

    private final byte[] bytes;

    MemoryStorage(long size) {
        if (size <= 0 || size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("in-memory flash holds 1 byte to 2 GiB, asked for " + size);
        }
        bytes = new byte[(int) size];
        Arrays.fill(bytes, (byte) 0xFF);
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
        System.arraycopy(from, offset, bytes, (int) address, length);
    }

    @Override
    public void programAnd(long address, byte[] from, int offset, int length) {
        ErasedBytes.and(bytes, (int) address, from, offset, length);
    }

    @Override
    public int firstOneOverZero(long address, byte[] from, int offset, int length) {
        return ErasedBytes.firstOneOverZero(bytes, (int) address, from, offset, length);
    }

    /** Where nothing needs a 1 over a 0, ANDing gives {@code from} itself: a plain copy. */
    @Override
    public int programIfProgrammable(long address, byte[] from, int offset, int length) {
        int bad = ErasedBytes.firstOneOverZero(bytes, (int) address, from, offset, length);
        if (bad < 0) {
            System.arraycopy(from, offset, bytes, (int) address, length);
        }
        return bad;
    }

    /** Cells already erased are left alone: reading them costs less than writing them again. */
    @Override
    public void erase(long address, int length) {
        if (!ErasedBytes.isErased(bytes, (int) address, length)) {
            Arrays.fill(bytes, (int) address, (int) address + length, (byte) 0xFF);
        }
    }
}
