package dev.flota.ota.encrypted;

import java.nio.ByteBuffer;

/** GHASH in GF(2^128) (NIST SP 800-38D, algorithm 1), used only to derive J0 from a 16-byte IV. */
final class Ghash {

    private static final long R = 0xE100000000000000L;

    private Ghash() {
    }

    /** J0 = GHASH_H(IV || 0^64 || [128]_64) for a 16-byte IV. */
    static byte[] j0(byte[] h, byte[] iv) {
        long hHi = ByteBuffer.wrap(h).getLong(0);
        long hLo = ByteBuffer.wrap(h).getLong(8);
        long[] y = multiply(ByteBuffer.wrap(iv).getLong(0), ByteBuffer.wrap(iv).getLong(8), hHi, hLo);
        y = multiply(y[0], y[1] ^ 128, hHi, hLo);
        return ByteBuffer.allocate(16).putLong(y[0]).putLong(y[1]).array();
    }

    static long[] multiply(long xHi, long xLo, long vHi, long vLo) {
        long zHi = 0;
        long zLo = 0;
        for (int i = 0; i < 128; i++) {
            long bit = i < 64 ? xHi >>> (63 - i) : xLo >>> (127 - i);
            if ((bit & 1) != 0) {
                zHi ^= vHi;
                zLo ^= vLo;
            }
            boolean carry = (vLo & 1) != 0;
            vLo = (vLo >>> 1) | (vHi << 63);
            vHi >>>= 1;
            if (carry) {
                vHi ^= R;
            }
        }
        return new long[] {zHi, zLo};
    }
}
