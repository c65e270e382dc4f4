package dev.flota.flash.image;

import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * Writes app and bootloader images byte for byte as {@code esptool elf2image} lays them out: header, segments (data
 * zero-padded to 4 bytes), a zero padding segment in front of any flash-mapped segment whose data would not sit at
 * its address modulo the MMU page, zero padding to the checksum byte, and the optional SHA-256.
 *
 * <p>Used by the tests and the demo to make real images without an ELF; a mutable builder, one image per instance.
 */
public final class ImageBuilder {

    private record Segment(long loadAddress, byte[] data) {
    }

    private final Chip chip;
    private final List<Segment> segments = new ArrayList<>();
    private int spiMode = 2;
    private int spiSpeed = 0;
    private int spiSize = 2;
    private long entryAddress;
    private int minChipRev;
    private int minChipRevFull;
    private int maxChipRevFull;
    private boolean hashAppended = true;
    private int mmuPageSize = VerifyOptions.DEFAULT_MMU_PAGE_SIZE;

    private ImageBuilder(Chip chip) {
        this.chip = Objects.requireNonNull(chip);
    }

    /** An app whose first segment (DROM, at the chip's DROM base + 0x20) holds {@code description}. */
    public static ImageBuilder app(Chip chip, AppDescription description) {
        ImageBuilder builder = new ImageBuilder(chip);
        builder.segments.add(new Segment(chip.dromBase() + AppDescription.IMAGE_OFFSET, description.encode()));
        builder.entryAddress = chip.dromBase() + 0x1000;
        builder.mmuPageSize = description.mmuPageSize(VerifyOptions.DEFAULT_MMU_PAGE_SIZE);
        return builder;
    }

    /** A bootloader whose first RAM segment holds {@code description}. */
    public static ImageBuilder bootloader(Chip chip, long descriptionAddress, BootloaderDescription description) {
        ImageBuilder builder = new ImageBuilder(chip);
        builder.segments.add(new Segment(descriptionAddress, description.encode()));
        builder.entryAddress = descriptionAddress;
        return builder;
    }

    /** An image with the header fields of {@code header} (except the segment count) and no segments yet. */
    public static ImageBuilder like(ImageHeader header) {
        ImageBuilder builder = new ImageBuilder(header.chip().orElse(Chip.ESP32));
        builder.spiMode = header.spiMode();
        builder.spiSpeed = header.spiSpeed();
        builder.spiSize = header.spiSize();
        builder.entryAddress = header.entryAddress();
        builder.minChipRev = header.minChipRev();
        builder.minChipRevFull = header.minChipRevFull();
        builder.maxChipRevFull = header.maxChipRevFull();
        builder.hashAppended = header.isHashAppended();
        return builder;
    }

    public ImageBuilder segment(long loadAddress, byte[] data) {
        segments.add(new Segment(loadAddress, data.clone()));
        return this;
    }

    /** SPI mode (0 QIO ... 5 SLOW_READ), speed nibble and size nibble of header byte 3. */
    public ImageBuilder flash(int mode, int speedNibble, int sizeNibble) {
        this.spiMode = mode;
        this.spiSpeed = speedNibble & 0xF;
        this.spiSize = sizeNibble & 0xF;
        return this;
    }

    public ImageBuilder entry(long address) {
        this.entryAddress = address;
        return this;
    }

    /** {@code min_chip_rev_full} and {@code max_chip_rev_full} (major * 100 + minor); legacy byte = min major. */
    public ImageBuilder chipRevisions(int minFull, int maxFull) {
        this.minChipRevFull = minFull;
        this.maxChipRevFull = maxFull;
        this.minChipRev = minFull / 100;
        return this;
    }

    public ImageBuilder hashAppended(boolean appended) {
        this.hashAppended = appended;
        return this;
    }

    public byte[] build() {
        List<Segment> laid = new ArrayList<>();
        long position = ImageHeader.SIZE;
        for (Segment segment : segments) {
            byte[] data = Arrays.copyOf(segment.data(), (segment.data().length + 3) & ~3);
            if (chip.isFlashMapped(segment.loadAddress())) {
                long misalignment = Math.floorMod(segment.loadAddress() - (position + SegmentHeader.SIZE), mmuPageSize);
                if (misalignment != 0) {
                    long padding = Math.floorMod(segment.loadAddress() - position - 2L * SegmentHeader.SIZE, mmuPageSize);
                    laid.add(new Segment(0, new byte[(int) padding]));
                    position += SegmentHeader.SIZE + padding;
                }
            }
            laid.add(new Segment(segment.loadAddress(), data));
            position += SegmentHeader.SIZE + data.length;
        }
        if (laid.size() > ImageHeader.MAX_SEGMENTS) {
            throw new IllegalStateException("image would need " + laid.size() + " segments, at most 16 are allowed");
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageHeader header = new ImageHeader(ImageHeader.MAGIC, laid.size(), spiMode, spiSpeed, spiSize, entryAddress,
                ImageHeader.WP_PIN_DISABLED, 0, chip.id(), minChipRev, minChipRevFull, maxChipRevFull, 0,
                hashAppended ? 1 : 0);
        out.writeBytes(header.encode());
        int checksum = 0xEF;
        for (Segment segment : laid) {
            out.writeBytes(new SegmentHeader(segment.loadAddress(), segment.data().length).encode());
            out.writeBytes(segment.data());
            for (byte b : segment.data()) {
                checksum ^= b & 0xFF;
            }
        }
        while (out.size() % 16 != 15) {
            out.write(0);
        }
        out.write(checksum);
        if (hashAppended) {
            out.writeBytes(sha256(out.toByteArray()));
        }
        return out.toByteArray();
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
