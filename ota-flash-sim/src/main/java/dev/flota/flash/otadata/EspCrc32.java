package dev.flota.flash.otadata;

/**
 * The ESP ROM's {@code esp_rom_crc32_le}: reflected CRC-32 (poly 0xEDB88320) whose register is the inverted
 * {@code crc} argument and whose result is inverted again. otadata uses it with {@code crc = 0xFFFFFFFF}, i.e.
 * register 0 and final XOR 0xFFFFFFFF, which is <em>not</em> zlib's CRC-32 of the same bytes.
 */
public final class EspCrc32 {

    private static final int[] TABLE = new int[256];

    static {
        for (int n = 0; n < 256; n++) {
            int c = n;
            for (int k = 0; k < 8; k++) {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
            }
            TABLE[n] = c;
        }
    }

    private EspCrc32() {
    }

    /** {@code esp_rom_crc32_le(crc, data + offset, length)} as an unsigned 32-bit value. */
    public static long crc32Le(long crc, byte[] data, int offset, int length) {
        int register = ~(int) crc;
        for (int i = offset; i < offset + length; i++) {
            register = (register >>> 8) ^ TABLE[(register ^ data[i]) & 0xFF];
        }
        return Integer.toUnsignedLong(~register);
    }

    /** {@code esp_rom_crc32_le(crc, data, data.length)}. */
    public static long crc32Le(long crc, byte[] data) {
        return crc32Le(crc, data, 0, data.length);
    }

    /** The otadata entry CRC: {@code esp_rom_crc32_le(UINT32_MAX, &ota_seq, 4)} of the little-endian sequence. */
    public static long otaSeqCrc(long seq) {
        byte[] le = {(byte) seq, (byte) (seq >>> 8), (byte) (seq >>> 16), (byte) (seq >>> 24)};
        return crc32Le(0xFFFFFFFFL, le);
    }
}
