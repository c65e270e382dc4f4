package dev.flota.flash.serial;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The GET_SECURITY_INFO payload: {@code flags u32, flash_crypt_cnt u8, key_purposes 7×u8}, then on every ROM but the
 * ESP32-S2's {@code chip_id u32, api_version u32} (20 bytes; the S2 sends the first 12).
 *
 * @param flags         the flag bits ({@link #SECURE_BOOT_EN} …)
 * @param flashCryptCnt {@code FLASH_CRYPT_CNT} / {@code SPI_BOOT_CRYPT_CNT}
 * @param keyPurposes   7 key purposes, defensively copied
 * @param chipId        the chip's {@code IMAGE_CHIP_ID}, absent in the 12-byte form
 * @param apiVersion    absent in the 12-byte form
 */
public record SecurityInfo(int flags, int flashCryptCnt, byte[] keyPurposes, OptionalInt chipId,
        OptionalInt apiVersion) {

    public static final int LENGTH = 20;
    public static final int SHORT_LENGTH = 12;

    public static final int SECURE_BOOT_EN = 1;
    public static final int SECURE_BOOT_AGGRESSIVE_REVOKE = 1 << 1;
    public static final int SECURE_DOWNLOAD_ENABLE = 1 << 2;
    public static final int SECURE_BOOT_KEY_REVOKE0 = 1 << 3;
    public static final int SECURE_BOOT_KEY_REVOKE1 = 1 << 4;
    public static final int SECURE_BOOT_KEY_REVOKE2 = 1 << 5;
    public static final int SOFT_DIS_JTAG = 1 << 6;
    public static final int HARD_DIS_JTAG = 1 << 7;
    public static final int DIS_USB = 1 << 8;
    public static final int DIS_DOWNLOAD_DCACHE = 1 << 9;
    public static final int DIS_DOWNLOAD_ICACHE = 1 << 10;

    public SecurityInfo {
        Objects.requireNonNull(chipId);
        Objects.requireNonNull(apiVersion);
        if (keyPurposes.length != 7) {
            throw new IllegalArgumentException("7 key purposes, got " + keyPurposes.length);
        }
        if (flashCryptCnt < 0 || flashCryptCnt > 0xFF) {
            throw new IllegalArgumentException("flash_crypt_cnt is a byte");
        }
        if (chipId.isPresent() != apiVersion.isPresent()) {
            throw new IllegalArgumentException("chip_id and api_version come together");
        }
        keyPurposes = keyPurposes.clone();
    }

    /** Nothing secured, the 20-byte form with this chip ID. */
    public static SecurityInfo open(int chipId, int apiVersion) {
        return new SecurityInfo(0, 0, new byte[7], OptionalInt.of(chipId), OptionalInt.of(apiVersion));
    }

    /** Nothing secured, the 12-byte form of the ESP32-S2. */
    public static SecurityInfo openShort() {
        return new SecurityInfo(0, 0, new byte[7], OptionalInt.empty(), OptionalInt.empty());
    }

    /**
     * Reads a 20- or 12-byte payload.
     *
     * @throws SerialFormatException {@code BAD_LENGTH} for any other length
     */
    public static SecurityInfo parse(byte[] payload) {
        if (payload.length != LENGTH && payload.length != SHORT_LENGTH) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH,
                    "security info is 20 or 12 bytes, got " + payload.length);
        }
        ByteBuffer buffer = ByteBuffer.wrap(payload).order(ByteOrder.LITTLE_ENDIAN);
        int flags = buffer.getInt(0);
        int count = payload[4] & 0xFF;
        byte[] purposes = Arrays.copyOfRange(payload, 5, 12);
        if (payload.length == SHORT_LENGTH) {
            return new SecurityInfo(flags, count, purposes, OptionalInt.empty(), OptionalInt.empty());
        }
        return new SecurityInfo(flags, count, purposes, OptionalInt.of(buffer.getInt(12)),
                OptionalInt.of(buffer.getInt(16)));
    }

    /** 20 bytes, or 12 when there is no chip ID. */
    public byte[] encode() {
        ByteBuffer buffer = ByteBuffer.allocate(chipId.isPresent() ? LENGTH : SHORT_LENGTH)
                .order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(flags).put((byte) flashCryptCnt).put(keyPurposes);
        if (chipId.isPresent()) {
            buffer.putInt(chipId.getAsInt()).putInt(apiVersion.getAsInt());
        }
        return buffer.array();
    }

    @Override
    public byte[] keyPurposes() {
        return keyPurposes.clone();
    }

    public boolean secureDownloadEnabled() {
        return (flags & SECURE_DOWNLOAD_ENABLE) != 0;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SecurityInfo s && s.flags == flags && s.flashCryptCnt == flashCryptCnt
                && Arrays.equals(s.keyPurposes, keyPurposes) && s.chipId.equals(chipId)
                && s.apiVersion.equals(apiVersion);
    }

    @Override
    public int hashCode() {
        return Objects.hash(flags, flashCryptCnt, Arrays.hashCode(keyPurposes), chipId, apiVersion);
    }

    @Override
    public String toString() {
        return "SecurityInfo[flags=0x" + Integer.toHexString(flags) + ", flash_crypt_cnt=" + flashCryptCnt
                + ", key_purposes=" + Arrays.toString(keyPurposes) + ", chip_id=" + chipId + ", api_version="
                + apiVersion + "]";
    }
}
