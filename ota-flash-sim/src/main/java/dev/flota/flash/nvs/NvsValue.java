package dev.flota.flash.nvs;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;

/**
 * A value as {@code nvs_get_*} returns it: an integer of one of the eight integer types, a string (without its
 * terminating NUL), or a blob (version 1 and 2 alike).
 */
public final class NvsValue {

    private final NvsType type;
    private final long integer;
    private final byte[] bytes;

    private NvsValue(NvsType type, long integer, byte[] bytes) {
        this.type = type;
        this.integer = integer;
        this.bytes = bytes;
    }

    /** An integer of {@code type}; a value outside the type's range is refused. */
    public static NvsValue integer(NvsType type, long value) {
        if (!type.isInteger()) {
            throw new IllegalArgumentException(type + " is not an integer type");
        }
        int bits = type.size() * 8;
        if (bits < 64) {
            long min = type.isSigned() ? -(1L << (bits - 1)) : 0;
            long max = type.isSigned() ? (1L << (bits - 1)) - 1 : (1L << bits) - 1;
            if (value < min || value > max) {
                throw new IllegalArgumentException(value + " is out of range for " + type.toolName());
            }
        }
        return new NvsValue(type, value, null);
    }

    public static NvsValue u8(int value) {
        return integer(NvsType.U8, value);
    }

    public static NvsValue u16(int value) {
        return integer(NvsType.U16, value);
    }

    public static NvsValue u32(long value) {
        return integer(NvsType.U32, value);
    }

    public static NvsValue i32(int value) {
        return integer(NvsType.I32, value);
    }

    /** u64 from its raw 64 bits (values above {@code Long.MAX_VALUE} are negative longs). */
    public static NvsValue u64(long bits) {
        return integer(NvsType.U64, bits);
    }

    public static NvsValue i64(long value) {
        return integer(NvsType.I64, value);
    }

    /** A string, stored UTF-8 encoded with a terminating NUL; it must not contain NUL itself. */
    public static NvsValue str(String value) {
        byte[] utf8 = value.getBytes(StandardCharsets.UTF_8);
        for (byte b : utf8) {
            if (b == 0) {
                throw new IllegalArgumentException("an NVS string cannot contain NUL");
            }
        }
        return new NvsValue(NvsType.STR, 0, utf8);
    }

    public static NvsValue blob(byte[] value) {
        return new NvsValue(NvsType.BLOB, 0, value.clone());
    }

    /** A string as stored: {@code stored} includes the NUL (or not, if damaged); the value ends at the first NUL. */
    static NvsValue storedString(byte[] stored) {
        int n = 0;
        while (n < stored.length && stored[n] != 0) {
            n++;
        }
        return new NvsValue(NvsType.STR, 0, Arrays.copyOf(stored, n));
    }

    /** One of the integer types, {@link NvsType#STR} or {@link NvsType#BLOB} (for both blob versions). */
    public NvsType type() {
        return type;
    }

    /** The integer (sign-extended; for u64 the raw bits). */
    public long longValue() {
        requireInteger();
        return integer;
    }

    /** The integer as a number, u64 above {@code Long.MAX_VALUE} included. */
    public BigInteger bigIntegerValue() {
        requireInteger();
        return type == NvsType.U64 && integer < 0 ? new BigInteger(Long.toUnsignedString(integer))
                : BigInteger.valueOf(integer);
    }

    public String stringValue() {
        if (type != NvsType.STR) {
            throw new IllegalStateException("not a string: " + type.toolName());
        }
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** A string's bytes (without NUL) or a blob's bytes. */
    public byte[] bytes() {
        if (bytes == null) {
            throw new IllegalStateException("an integer has no bytes: " + type.toolName());
        }
        return bytes.clone();
    }

    /** What the item's payload holds: a string with its NUL, a blob as is. */
    byte[] payload() {
        return type == NvsType.STR ? Arrays.copyOf(bytes, bytes.length + 1) : bytes.clone();
    }

    /** {@code nvs_tool.py}'s rendering: the number, the string, or lowercase hex for a blob. */
    public String display() {
        if (type.isInteger()) {
            return bigIntegerValue().toString();
        }
        return type == NvsType.STR ? stringValue() : HexFormat.of().formatHex(bytes);
    }

    private void requireInteger() {
        if (!type.isInteger()) {
            throw new IllegalStateException("not an integer: " + type.toolName());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NvsValue v && type == v.type && integer == v.integer && Arrays.equals(bytes, v.bytes);
    }

    @Override
    public int hashCode() {
        return type.hashCode() * 31 + Long.hashCode(integer) + Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return type.toolName() + ":" + display();
    }
}
