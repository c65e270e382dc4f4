package dev.flota.flash.nvs;

import dev.flota.flash.FormatException;
import dev.flota.flash.otadata.EspCrc32;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The 32-byte header of an NVS page: state word, sequence number, format version (0xFE = version 2, 0xFF =
 * version 1), 19 reserved bytes and the CRC of bytes 4..27. The state is outside the CRC, so changing it only
 * clears bits of the first word.
 */
public record NvsPageHeader(long stateWord, long seq, int version, long crc, boolean crcValid) {

    public static final int SIZE = 32;
    public static final int VERSION_2 = 0xFE;
    public static final int VERSION_1 = 0xFF;

    /** Page states by their state word; {@link #CORRUPT} is never written, it classifies unreadable pages. */
    public enum State {
        EMPTY(0xFFFFFFFFL),
        ACTIVE(0xFFFFFFFEL),
        FULL(0xFFFFFFFCL),
        FREEING(0xFFFFFFF8L),
        CORRUPT(0xFFFFFFF0L);

        private final long word;

        State(long word) {
            this.word = word;
        }

        public long word() {
            return word;
        }
    }

    /** A version-2 header as Flota writes it. */
    public static NvsPageHeader of(State state, long seq) {
        return new NvsPageHeader(state.word, seq, VERSION_2, crcOf(body(state.word, seq, VERSION_2), 0), true);
    }

    public static NvsPageHeader parse(byte[] page, int offset) {
        if (offset < 0 || page.length - offset < SIZE) {
            throw new FormatException("an NVS page header is 32 bytes, got " + Math.max(0, page.length - offset));
        }
        ByteBuffer b = ByteBuffer.wrap(page).order(ByteOrder.LITTLE_ENDIAN);
        long state = Integer.toUnsignedLong(b.getInt(offset));
        long seq = Integer.toUnsignedLong(b.getInt(offset + 4));
        int version = page[offset + 8] & 0xFF;
        long crc = Integer.toUnsignedLong(b.getInt(offset + 28));
        return new NvsPageHeader(state, seq, version, crc, crc == crcOf(page, offset));
    }

    /** The state this word names, or {@link State#CORRUPT} for any other value. */
    public State state() {
        for (State s : State.values()) {
            if (s.word == stateWord && s != State.CORRUPT) {
                return s;
            }
        }
        return State.CORRUPT;
    }

    public byte[] encode() {
        byte[] bytes = body(stateWord, seq, version);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(28, (int) crc);
        return bytes;
    }

    /** The header with another state word, as rewriting the first 4 bytes in place leaves it. */
    public NvsPageHeader withState(State state) {
        return new NvsPageHeader(state.word, seq, version, crc, crcValid);
    }

    private static byte[] body(long state, long seq, int version) {
        byte[] bytes = new byte[SIZE];
        Arrays.fill(bytes, (byte) 0xFF);
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) state).putInt(4, (int) seq);
        bytes[8] = (byte) version;
        return bytes;
    }

    static long crcOf(byte[] page, int offset) {
        return EspCrc32.crc32Le(0xFFFFFFFFL, page, offset + 4, 24);
    }
}
