package dev.flota.flash.encryption;

import java.util.Objects;

/**
 * A flash range held encrypted: the second-stage bootloader, the partition table, or a partition by its label.
 *
 * @param name   {@code bootloader}, {@code partition_table}, or the partition's label
 * @param offset flash address of the first byte
 * @param length bytes
 */
public record EncryptedRegion(String name, long offset, long length) {

    public static final String BOOTLOADER = "bootloader";
    public static final String PARTITION_TABLE = "partition_table";

    public EncryptedRegion {
        Objects.requireNonNull(name, "name");
        if (offset < 0 || length < 0) {
            throw new IllegalArgumentException("offset and length must not be negative: " + offset + "/" + length);
        }
    }

    public long end() {
        return offset + length;
    }

    public boolean contains(long address) {
        return address >= offset && address < end();
    }

    /** Whether {@code [address, address + length)} lies entirely inside this region. */
    public boolean contains(long address, long length) {
        return address >= offset && length >= 0 && address + length <= end();
    }

    public boolean overlaps(long address, long length) {
        return address < end() && address + length > offset;
    }

    @Override
    public String toString() {
        return String.format("%s 0x%x+0x%x", name, offset, length);
    }
}
