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

    @Override
    public void erase(long address, int length) {
        Arrays.fill(bytes, (int) address, (int) address + length, (byte) 0xFF);
    }
}
