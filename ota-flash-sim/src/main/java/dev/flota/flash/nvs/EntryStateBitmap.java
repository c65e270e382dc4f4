package dev.flota.flash.nvs;

import dev.flota.flash.FormatException;
import java.util.Arrays;

/**
 * The 32-byte entry state table of an NVS page: 2 bits per entry for 126 entries, entry {@code i} in byte
 * {@code i / 4} at bit {@code (i % 4) * 2}; the last 4 bits are unused and stay 1. The device rewrites one
 * little-endian 32-bit word (16 entries) per change, so {@link #word(int)} is the unit of a flash write.
 */
public final class EntryStateBitmap {

    public static final int SIZE = 32;
    public static final int ENTRIES = 126;

    /** Entry states; every transition only clears bits. */
    public enum State {
        EMPTY(3),
        WRITTEN(2),
        ERASED(0),
        ILLEGAL(1);

        private final int bits;

        State(int bits) {
            this.bits = bits;
        }

        public int bits() {
            return bits;
        }

        static State of(int bits) {
            return switch (bits) {
                case 3 -> EMPTY;
                case 2 -> WRITTEN;
                case 0 -> ERASED;
                default -> ILLEGAL;
            };
        }
    }

    private final byte[] bytes;

    private EntryStateBitmap(byte[] bytes) {
        this.bytes = bytes;
    }

    /** All entries EMPTY. */
    public static EntryStateBitmap empty() {
        byte[] b = new byte[SIZE];
        Arrays.fill(b, (byte) 0xFF);
        return new EntryStateBitmap(b);
    }

    public static EntryStateBitmap parse(byte[] data, int offset) {
        if (offset < 0 || data.length - offset < SIZE) {
            throw new FormatException("an entry state bitmap is 32 bytes, got " + Math.max(0, data.length - offset));
        }
        return new EntryStateBitmap(Arrays.copyOfRange(data, offset, offset + SIZE));
    }

    public State get(int entry) {
        check(entry);
        return State.of((bytes[entry / 4] >>> ((entry % 4) * 2)) & 3);
    }

    /** This bitmap with {@code entry} set to {@code state} (bits are replaced, not ANDed). */
    public EntryStateBitmap with(int entry, State state) {
        check(entry);
        byte[] b = bytes.clone();
        int shift = (entry % 4) * 2;
        b[entry / 4] = (byte) ((b[entry / 4] & ~(3 << shift)) | (state.bits << shift));
        return new EntryStateBitmap(b);
    }

    /** Index of the 32-bit word holding {@code entry}'s bits. */
    public static int wordOf(int entry) {
        return entry / 16;
    }

    /** The 4 bytes of word {@code index} (0..7), as written to flash. */
    public byte[] word(int index) {
        return Arrays.copyOfRange(bytes, index * 4, index * 4 + 4);
    }

    public int count(State state) {
        int n = 0;
        for (int i = 0; i < ENTRIES; i++) {
            if (get(i) == state) {
                n++;
            }
        }
        return n;
    }

    public byte[] encode() {
        return bytes.clone();
    }

    private static void check(int entry) {
        if (entry < 0 || entry >= ENTRIES) {
            throw new IndexOutOfBoundsException("entry " + entry + " of " + ENTRIES);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof EntryStateBitmap other && Arrays.equals(bytes, other.bytes);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("EntryStateBitmap[");
        for (int i = 0; i < ENTRIES; i++) {
            s.append("EWXI".charAt(switch (get(i)) {
                case EMPTY -> 0;
                case WRITTEN -> 1;
                case ERASED -> 2;
                case ILLEGAL -> 3;
            }));
        }
        return s.append(']').toString();
    }
}
