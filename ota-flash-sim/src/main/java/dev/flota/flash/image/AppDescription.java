package dev.flota.flash.image;

import dev.flota.flash.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.Optional;

/**
 * {@code esp_app_desc_t}: the 256-byte app descriptor at file offset 0x20 of every ESP-IDF app image, which
 * {@code esp_https_ota_get_img_desc()} hands to the application before anything is written.
 *
 * @param secureVersion         anti-rollback version, compared with the eFuse (unsigned 32 bit)
 * @param version               {@code PROJECT_VER}
 * @param projectName           {@code PROJECT_NAME}
 * @param time                  build {@code __TIME__}
 * @param date                  build {@code __DATE__}
 * @param idfVersion            {@code idf_ver}
 * @param elfSha256             SHA-256 of the ELF, lowercase hex (zeros when elf2image did not patch it)
 * @param minEfuseBlkRevFull    major * 100 + minor
 * @param maxEfuseBlkRevFull    major * 100 + minor
 * @param mmuPageSizeLog2       MMU page size as log2, 0 in images older than November 2024
 * @param spiFlashMode          {@code CONFIG_ESPTOOLPY_FLASHMODE_VAL} (1 QIO ... 5 OPI), 0 when not recorded
 */
public record AppDescription(long secureVersion, String version, String projectName, String time, String date,
        String idfVersion, String elfSha256, int minEfuseBlkRevFull, int maxEfuseBlkRevFull, int mmuPageSizeLog2,
        int spiFlashMode) {

    public static final int SIZE = 256;
    public static final int MAGIC_WORD = 0xABCD5432;
    /** Where the descriptor sits in an image: after the image header and the first segment header. */
    public static final int IMAGE_OFFSET = ImageHeader.SIZE + SegmentHeader.SIZE;

    /** True when the descriptor's magic word is at {@code offset}. */
    public static boolean isPresent(byte[] bytes, int offset) {
        return offset >= 0 && bytes.length - offset >= 4
                && ByteBuffer.wrap(bytes, offset, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == MAGIC_WORD;
    }

    public static AppDescription parse(byte[] bytes, int offset) {
        if (offset < 0 || bytes.length - offset < SIZE) {
            throw new FormatException("app descriptor needs " + SIZE + " bytes");
        }
        if (!isPresent(bytes, offset)) {
            throw new FormatException("no app descriptor: magic word is not 0xABCD5432");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return new AppDescription(
                in.getInt(offset + 4) & 0xFFFFFFFFL,
                text(bytes, offset + 16, 32),
                text(bytes, offset + 48, 32),
                text(bytes, offset + 80, 16),
                text(bytes, offset + 96, 16),
                text(bytes, offset + 112, 32),
                HexFormat.of().formatHex(bytes, offset + 144, offset + 176),
                in.getShort(offset + 176) & 0xFFFF,
                in.getShort(offset + 178) & 0xFFFF,
                bytes[offset + 180] & 0xFF,
                bytes[offset + 181] & 0xFF);
    }

    /** The 256 bytes as the linker lays them out; reserved fields are zero. */
    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC_WORD).putInt((int) secureVersion);
        putText(out, 16, version, 32);
        putText(out, 48, projectName, 32);
        putText(out, 80, time, 16);
        putText(out, 96, date, 16);
        putText(out, 112, idfVersion, 32);
        out.put(144, HexFormat.of().parseHex(elfSha256));
        out.putShort(176, (short) minEfuseBlkRevFull).putShort(178, (short) maxEfuseBlkRevFull);
        out.put(180, (byte) mmuPageSizeLog2).put(181, (byte) spiFlashMode);
        return out.array();
    }

    /** The lowest eFuse block revision the app runs on, when set (neither 0 nor 0xFFFF). */
    public Optional<Integer> minEfuseBlockRevision() {
        return isSet(minEfuseBlkRevFull) ? Optional.of(minEfuseBlkRevFull) : Optional.empty();
    }

    /** The highest eFuse block revision the app runs on, when set (neither 0 nor 0xFFFF). */
    public Optional<Integer> maxEfuseBlockRevision() {
        return isSet(maxEfuseBlkRevFull) ? Optional.of(maxEfuseBlkRevFull) : Optional.empty();
    }

    private static boolean isSet(int revisionFull) {
        return revisionFull != 0 && revisionFull != 0xFFFF;
    }

    /** The MMU page size the image was linked for, or {@code fallback} when the descriptor does not say. */
    public int mmuPageSize(int fallback) {
        return mmuPageSizeLog2 >= 12 && mmuPageSizeLog2 <= 16 ? 1 << mmuPageSizeLog2 : fallback;
    }

    static String text(byte[] bytes, int offset, int width) {
        int end = offset;
        while (end < offset + width && bytes[end] != 0) {
            end++;
        }
        return new String(bytes, offset, end - offset, StandardCharsets.ISO_8859_1);
    }

    static void putText(ByteBuffer out, int offset, String value, int width) {
        byte[] encoded = value.getBytes(StandardCharsets.ISO_8859_1);
        if (encoded.length > width) {
            throw new IllegalArgumentException("'" + value + "' is longer than the " + width + "-byte field");
        }
        out.put(offset, encoded);
    }
}
