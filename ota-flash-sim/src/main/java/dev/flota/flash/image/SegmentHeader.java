package dev.flota.flash.image;

import dev.flota.flash.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * {@code esp_image_segment_header_t}: load address and length of one segment, followed in the file by its data.
 *
 * @param loadAddress where the segment is loaded (0 for esptool's padding segments)
 * @param dataLength  number of data bytes after this header
 */
public record SegmentHeader(long loadAddress, long dataLength) {

    public static final int SIZE = 8;

    public static SegmentHeader parse(byte[] bytes, int offset) {
        if (offset < 0 || bytes.length - offset < SIZE) {
            throw new FormatException("segment header needs " + SIZE + " bytes");
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        return new SegmentHeader(in.getInt() & 0xFFFFFFFFL, in.getInt() & 0xFFFFFFFFL);
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN)
                .putInt((int) loadAddress).putInt((int) dataLength).array();
    }
}
