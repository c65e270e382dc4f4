package dev.flota.flash.image;

import dev.flota.flash.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code esp_bootloader_desc_t}: the 80-byte descriptor at file offset 0x20 of bootloader images built by ESP-IDF 5.2
 * and later; it identifies an image as a bootloader and carries the bootloader's own anti-rollback version.
 *
 * @param secureVersion bootloader anti-rollback version
 * @param version       {@code CONFIG_BOOTLOADER_PROJECT_VER}
 * @param idfVersion    {@code idf_ver}
 * @param dateTime      build date and time
 */
public record BootloaderDescription(int secureVersion, long version, String idfVersion, String dateTime) {

    public static final int SIZE = 80;
    public static final int MAGIC_BYTE = 0x50;

    public static boolean isPresent(byte[] bytes, int offset) {
        return offset >= 0 && bytes.length - offset >= SIZE && (bytes[offset] & 0xFF) == MAGIC_BYTE;
    }

    public static BootloaderDescription parse(byte[] bytes, int offset) {
        if (!isPresent(bytes, offset)) {
            throw new FormatException("no bootloader descriptor at offset " + offset);
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new BootloaderDescription(bytes[offset + 3] & 0xFF, in.getInt(offset + 4) & 0xFFFFFFFFL,
                AppDescription.text(bytes, offset + 8, 32), AppDescription.text(bytes, offset + 40, 24));
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        out.put(0, (byte) MAGIC_BYTE).put(3, (byte) secureVersion).putInt(4, (int) version);
        AppDescription.putText(out, 8, idfVersion, 32);
        AppDescription.putText(out, 40, dateTime, 24);
        return out.array();
    }
}
