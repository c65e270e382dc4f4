package dev.flota.flash.image;

import dev.flota.flash.FormatException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * {@code esp_image_header_t}: the 24 bytes that open every app and bootloader image.
 *
 * @param magic          {@link #MAGIC} in a well-formed image
 * @param segmentCount   number of segments that follow
 * @param spiMode        raw {@code spi_mode} (0 QIO, 1 QOUT, 2 DIO, 3 DOUT, 4 FAST_READ, 5 SLOW_READ)
 * @param spiSpeed       low nibble of byte 3: the flash clock divider code
 * @param spiSize        high nibble of byte 3: 0 = 1MB ... 7 = 128MB
 * @param entryAddress   {@code entry_addr}
 * @param wpPin          {@code wp_pin}, 0xEE when disabled
 * @param spiPinDrv      the three {@code spi_pin_drv} bytes, byte 9 in the low 8 bits
 * @param chipId         {@code chip_id} ({@link Chip#id()})
 * @param minChipRev     legacy {@code min_chip_rev}
 * @param minChipRevFull {@code min_chip_rev_full} = major * 100 + minor
 * @param maxChipRevFull {@code max_chip_rev_full}; 0 or 0xFFFF means no upper bound
 * @param reserved       the four reserved bytes as a little-endian u32
 * @param hashAppended   raw {@code hash_appended}; the device treats any non-zero value as "SHA-256 appended"
 */
public record ImageHeader(int magic, int segmentCount, int spiMode, int spiSpeed, int spiSize, long entryAddress,
        int wpPin, int spiPinDrv, int chipId, int minChipRev, int minChipRevFull, int maxChipRevFull, long reserved,
        int hashAppended) {

    public static final int SIZE = 24;
    public static final int MAGIC = 0xE9;
    /** {@code ESP_IMAGE_MAX_SEGMENTS}. */
    public static final int MAX_SEGMENTS = 16;
    public static final int WP_PIN_DISABLED = 0xEE;

    private static final String[] SPI_MODES = {"QIO", "QOUT", "DIO", "DOUT", "FAST_READ", "SLOW_READ"};

    /** Reads the 24 header bytes at {@code offset}; the fields are taken as they are, checks are the verifier's job. */
    public static ImageHeader parse(byte[] bytes, int offset) {
        if (offset < 0 || bytes.length - offset < SIZE) {
            throw new FormatException("image header needs " + SIZE + " bytes, got " + Math.max(0, bytes.length - offset));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes, offset, SIZE).order(ByteOrder.LITTLE_ENDIAN);
        int magic = in.get() & 0xFF;
        int segmentCount = in.get() & 0xFF;
        int spiMode = in.get() & 0xFF;
        int speedSize = in.get() & 0xFF;
        long entry = in.getInt() & 0xFFFFFFFFL;
        int wpPin = in.get() & 0xFF;
        int drv = (in.get() & 0xFF) | (in.get() & 0xFF) << 8 | (in.get() & 0xFF) << 16;
        int chipId = in.getShort() & 0xFFFF;
        int minChipRev = in.get() & 0xFF;
        int minFull = in.getShort() & 0xFFFF;
        int maxFull = in.getShort() & 0xFFFF;
        long reserved = in.getInt() & 0xFFFFFFFFL;
        int hashAppended = in.get() & 0xFF;
        return new ImageHeader(magic, segmentCount, spiMode, speedSize & 0xF, speedSize >>> 4, entry, wpPin, drv,
                chipId, minChipRev, minFull, maxFull, reserved, hashAppended);
    }

    public byte[] encode() {
        ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        out.put((byte) magic).put((byte) segmentCount).put((byte) spiMode).put((byte) (spiSize << 4 | spiSpeed & 0xF));
        out.putInt((int) entryAddress).put((byte) wpPin);
        out.put((byte) spiPinDrv).put((byte) (spiPinDrv >>> 8)).put((byte) (spiPinDrv >>> 16));
        out.putShort((short) chipId).put((byte) minChipRev).putShort((short) minChipRevFull)
                .putShort((short) maxChipRevFull).putInt((int) reserved).put((byte) hashAppended);
        return out.array();
    }

    public boolean isHashAppended() {
        return hashAppended != 0;
    }

    /** The upper revision bound, empty when the field holds 0 or 0xFFFF ("not set"). */
    public Optional<Integer> maxChipRevision() {
        return maxChipRevFull == 0 || maxChipRevFull == 0xFFFF ? Optional.empty() : Optional.of(maxChipRevFull);
    }

    public Optional<Chip> chip() {
        return Chip.byId(chipId);
    }

    /** esptool's name of the SPI mode, e.g. {@code DIO}. */
    public String spiModeName() {
        return spiMode < SPI_MODES.length ? SPI_MODES[spiMode] : String.format("0x%02x", spiMode);
    }

    /** The flash speed as esptool names it for this header's chip, e.g. {@code 80m}. */
    public String spiSpeedName() {
        return chip().orElse(Chip.ESP32).flashSpeedName(spiSpeed);
    }

    /** The flash size the header declares, e.g. {@code 4MB}. */
    public String flashSizeName() {
        return spiSize <= 7 ? (1 << spiSize) + "MB" : String.format("0x%x", spiSize);
    }
}
