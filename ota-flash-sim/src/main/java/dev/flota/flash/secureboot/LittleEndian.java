package dev.flota.flash.secureboot;

import java.math.BigInteger;

/** Fixed-width little-endian unsigned integers, the byte order of every number in a signature block. */
final class LittleEndian {

    private LittleEndian() {
    }

    static BigInteger read(byte[] bytes, int offset, int width) {
        byte[] bigEndian = new byte[width];
        for (int i = 0; i < width; i++) {
            bigEndian[i] = bytes[offset + width - 1 - i];
        }
        return new BigInteger(1, bigEndian);
    }

    static void write(BigInteger value, byte[] into, int offset, int width) {
        byte[] bigEndian = bigEndian(value, width);
        for (int i = 0; i < width; i++) {
            into[offset + i] = bigEndian[width - 1 - i];
        }
    }

    /** {@code value} as exactly {@code width} big-endian bytes. */
    static byte[] bigEndian(BigInteger value, int width) {
        if (value.signum() < 0 || value.bitLength() > width * 8) {
            throw new IllegalArgumentException("value does not fit " + width + " bytes");
        }
        byte[] raw = value.toByteArray();
        byte[] out = new byte[width];
        int copy = Math.min(raw.length, width);
        System.arraycopy(raw, raw.length - copy, out, width - copy, copy);
        return out;
    }
}
