package dev.flota.flash.nvs;

import dev.flota.flash.FormatException;
import dev.flota.flash.otadata.EspCrc32;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * One 32-byte NVS entry read as an item header: namespace index, type byte, span, chunk index, CRC of bytes 0..3 and
 * 8..31, a 16-byte zero-padded key and 8 data bytes (an integer, a variable-length header {@code size, 0xFFFF, data
 * CRC}, or a blob index {@code size, chunkCount, chunkStart, 0xFFFF}). Kept as read, so a damaged entry parses and
 * {@link #consistentAt(int)} tells whether ESP-IDF would accept it.
 */
public record NvsItem(int nsIndex, int typeCode, int span, int chunkIndex, long crc, byte[] key, byte[] data) {

    public static final int SIZE = 32;
    public static final int MAX_KEY_LENGTH = 15;
    public static final int CHUNK_ANY = 0xFF;
    /** Payload bytes of one page: 125 entries of 32 bytes. */
    public static final int MAX_PAYLOAD = 125 * SIZE;

    public NvsItem {
        if (key.length != 16 || data.length != 8) {
            throw new IllegalArgumentException("key is 16 bytes and data 8");
        }
        key = key.clone();
        data = data.clone();
    }

    @Override
    public byte[] key() {
        return key.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    public static NvsItem parse(byte[] bytes, int offset) {
        if (offset < 0 || bytes.length - offset < SIZE) {
            throw new FormatException("an NVS entry is 32 bytes, got " + Math.max(0, bytes.length - offset));
        }
        return new NvsItem(bytes[offset] & 0xFF, bytes[offset + 1] & 0xFF, bytes[offset + 2] & 0xFF,
                bytes[offset + 3] & 0xFF, Integer.toUnsignedLong(le(bytes, offset + 4).getInt()),
                Arrays.copyOfRange(bytes, offset + 8, offset + 24), Arrays.copyOfRange(bytes, offset + 24,
                        offset + 32));
    }

    /** An integer item; {@code value}'s low {@code type.size()} bytes are stored, the rest of data is 0xFF. */
    public static NvsItem integer(int nsIndex, NvsType type, String key, long value) {
        if (!type.isInteger()) {
            throw new IllegalArgumentException(type + " is not an integer type");
        }
        byte[] data = ff(8);
        for (int i = 0; i < type.size(); i++) {
            data[i] = (byte) (value >>> (8 * i));
        }
        return withCrc(nsIndex, type.code(), 1, CHUNK_ANY, keyBytes(key), data);
    }

    /** The header of a STR, BLOB or BLOB_DATA item whose payload is {@code payload}. */
    public static NvsItem variableLength(int nsIndex, NvsType type, String key, int chunkIndex, byte[] payload) {
        if (!type.isVariableLength()) {
            throw new IllegalArgumentException(type + " is not a variable-length type");
        }
        byte[] data = ff(8);
        ByteBuffer b = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        b.putShort(0, (short) payload.length).putInt(4, (int) EspCrc32.crc32Le(0xFFFFFFFFL, payload));
        return withCrc(nsIndex, type.code(), 1 + (payload.length + SIZE - 1) / SIZE, chunkIndex, keyBytes(key), data);
    }

    public static NvsItem blobIndex(int nsIndex, String key, long size, int chunkCount, int chunkStart) {
        byte[] data = ff(8);
        ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).putInt(0, (int) size);
        data[4] = (byte) chunkCount;
        data[5] = (byte) chunkStart;
        return withCrc(nsIndex, NvsType.BLOB_IDX.code(), 1, CHUNK_ANY, keyBytes(key), data);
    }

    /** The key field ESP-IDF builds: ASCII, NUL-terminated, zero-filled to 16 bytes. */
    public static byte[] keyBytes(String key) {
        byte[] ascii = key.getBytes(StandardCharsets.ISO_8859_1);
        if (ascii.length > MAX_KEY_LENGTH) {
            throw new NvsException(NvsException.Error.KEY_TOO_LONG, "key '" + key + "' is longer than 15 bytes");
        }
        return Arrays.copyOf(ascii, 16);
    }

    public byte[] encode() {
        byte[] out = new byte[SIZE];
        out[0] = (byte) nsIndex;
        out[1] = (byte) typeCode;
        out[2] = (byte) span;
        out[3] = (byte) chunkIndex;
        le(out, 4).putInt((int) crc);
        System.arraycopy(key, 0, out, 8, 16);
        System.arraycopy(data, 0, out, 24, 8);
        return out;
    }

    public Optional<NvsType> type() {
        return NvsType.of(typeCode);
    }

    /** The key up to its first NUL. */
    public String keyString() {
        int n = 0;
        while (n < 16 && key[n] != 0) {
            n++;
        }
        return new String(key, 0, n, StandardCharsets.ISO_8859_1);
    }

    public boolean sameKey(byte[] otherKey) {
        return Arrays.equals(key, otherKey);
    }

    /** The CRC ESP-IDF computes over bytes 0..3 and 8..31 of the entry. */
    public long computeCrc() {
        byte[] e = encode();
        return EspCrc32.crc32Le(EspCrc32.crc32Le(0xFFFFFFFFL, e, 0, 4), e, 8, 24);
    }

    public boolean crcValid() {
        return crc == computeCrc();
    }

    /** Integer value, sign-extended for signed types, raw bits for u64. */
    public long integerValue() {
        NvsType t = type().orElseThrow();
        long v = 0;
        for (int i = 0; i < t.size(); i++) {
            v |= (data[i] & 0xFFL) << (8 * i);
        }
        int bits = t.size() * 8;
        return t.isSigned() && bits < 64 ? (v << (64 - bits)) >> (64 - bits) : v;
    }

    /** Payload size of a variable-length item. */
    public int payloadSize() {
        return (data[0] & 0xFF) | (data[1] & 0xFF) << 8;
    }

    public long payloadCrc() {
        return Integer.toUnsignedLong(le(data, 4).getInt());
    }

    /** Total size recorded in a blob index. */
    public long blobSize() {
        return Integer.toUnsignedLong(le(data, 0).getInt());
    }

    public int blobChunkCount() {
        return data[4] & 0xFF;
    }

    public int blobChunkStart() {
        return data[5] & 0xFF;
    }

    /**
     * ESP-IDF's {@code checkHeaderConsistency} for a header at entry {@code index} of its page: CRC, known type, span
     * 1 for fixed-size types, and for variable-length types a size and span that fit the page and agree.
     */
    public boolean consistentAt(int index) {
        if (!crcValid()) {
            return false;
        }
        Optional<NvsType> t = type();
        if (t.isEmpty()) {
            return false;
        }
        NvsType type = t.get();
        if (type.isInteger()) {
            return span == 1;
        }
        if (type == NvsType.BLOB_IDX) {
            return span == 1 && chunkIndex == CHUNK_ANY && blobSize() <= 127L * MAX_PAYLOAD;
        }
        int size = payloadSize();
        int remaining = EntryStateBitmap.ENTRIES - index;
        if (size > (remaining - 1) * SIZE || span > remaining || span != (size + SIZE - 1) / SIZE + 1) {
            return false;
        }
        return type != NvsType.BLOB_DATA || chunkIndex != CHUNK_ANY;
    }

    private static NvsItem withCrc(int ns, int type, int span, int chunk, byte[] key, byte[] data) {
        NvsItem draft = new NvsItem(ns, type, span, chunk, 0, key, data);
        return new NvsItem(ns, type, span, chunk, draft.computeCrc(), key, data);
    }

    private static byte[] ff(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0xFF);
        return b;
    }

    private static ByteBuffer le(byte[] b, int offset) {
        return ByteBuffer.wrap(b, offset, 4).order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NvsItem i && nsIndex == i.nsIndex && typeCode == i.typeCode && span == i.span
                && chunkIndex == i.chunkIndex && crc == i.crc && Arrays.equals(key, i.key)
                && Arrays.equals(data, i.data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(key) + Arrays.hashCode(data) + typeCode;
    }

    @Override
    public String toString() {
        return String.format("NvsItem[ns=%d type=0x%02x span=%d chunk=0x%02x crc=0x%08x key=%s]", nsIndex, typeCode,
                span, chunkIndex, crc, keyString());
    }
}
