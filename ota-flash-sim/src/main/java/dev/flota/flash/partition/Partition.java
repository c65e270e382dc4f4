package dev.flota.flash.partition;

import java.util.Objects;
import java.util.OptionalInt;

/**
 * One entry of an ESP-IDF partition table ({@code esp_partition_info_t}): what the bootloader and
 * {@code esp_partition} see, independent of whether it came from a binary table or a CSV.
 *
 * @param label    the name, at most 16 bytes once UTF-8 encoded (longer labels are truncated on encoding, as the tool does)
 * @param type     0..255: app 0x00, data 0x01, bootloader 0x02, partition_table 0x03, custom 0x40..0xFE
 * @param subtype  0..255, meaning depends on the type
 * @param offset   flash offset, unsigned 32-bit
 * @param size     size in bytes, unsigned 32-bit
 * @param encrypted flag bit 0
 * @param readonly  flag bit 1
 */
public record Partition(String label, int type, int subtype, long offset, long size, boolean encrypted,
        boolean readonly) {

    public static final int TYPE_APP = 0x00;
    public static final int TYPE_DATA = 0x01;
    public static final int TYPE_BOOTLOADER = 0x02;
    public static final int TYPE_PARTITION_TABLE = 0x03;

    public static final int SUBTYPE_APP_FACTORY = 0x00;
    public static final int SUBTYPE_APP_OTA_MIN = 0x10;
    public static final int SUBTYPE_APP_OTA_MAX = 0x1F;
    public static final int SUBTYPE_APP_TEST = 0x20;
    public static final int SUBTYPE_DATA_OTA = 0x00;
    public static final int SUBTYPE_DATA_NVS = 0x02;
    public static final int SUBTYPE_DATA_COREDUMP = 0x03;
    public static final int SUBTYPE_DATA_TEE_OTA = 0x90;

    public Partition {
        Objects.requireNonNull(label, "label");
        if (type < 0 || type > 0xFF || subtype < 0 || subtype > 0xFF) {
            throw new IllegalArgumentException("type and subtype must be 0..255: " + type + "/" + subtype);
        }
        if (offset < 0 || offset > 0xFFFFFFFFL || size < 0 || size > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("offset and size must be unsigned 32-bit: " + offset + "/" + size);
        }
    }

    /** A partition without flags. */
    public static Partition of(String label, int type, int subtype, long offset, long size) {
        return new Partition(label, type, subtype, offset, size, false, false);
    }

    /** The gen_esp32part.py name of the type ({@code app}, {@code data}, ...), else hex like {@code 0x40}. */
    public String typeName() {
        String name = PartitionNames.keyword(PartitionNames.TYPES, type);
        return name != null ? name : hex(type);
    }

    /** The gen_esp32part.py name of the subtype for this type ({@code ota_3}, {@code nvs}, ...), else hex. */
    public String subtypeName() {
        String name = PartitionNames.keyword(PartitionNames.subtypes(type), subtype);
        return name != null ? name : hex(subtype);
    }

    /** An app partition with subtype ota_0..ota_15 (0x10..0x1F), the kind the bootloader counts as OTA slots. */
    public boolean isOtaApp() {
        return type == TYPE_APP && subtype >= SUBTYPE_APP_OTA_MIN && subtype <= SUBTYPE_APP_OTA_MAX;
    }

    /** The OTA slot number (subtype − 0x10) of an OTA app partition. */
    public OptionalInt otaSlot() {
        return isOtaApp() ? OptionalInt.of(subtype - SUBTYPE_APP_OTA_MIN) : OptionalInt.empty();
    }

    /** The 32-bit flags word of the binary entry. */
    public int flags() {
        return (encrypted ? 1 : 0) | (readonly ? 2 : 0);
    }

    long end() {
        return offset + size;
    }

    private static String hex(int value) {
        return String.format("0x%02x", value);
    }
}
