package dev.flota.flash.image;

import java.util.Locale;
import java.util.Optional;

/**
 * The chip table of {@code esp_app_format.h} ({@code esp_chip_id_t}) and esptool's targets: the ID stored at image
 * header offset 12, esptool's name, where the second-stage bootloader lives, how the header's flash-speed nibble reads
 * in MHz on that chip, and which address ranges the cache maps from flash (the segments that must be MMU aligned).
 */
public enum Chip {
    ESP32(0x0000, "esp32", "ESP32", 0x1000, Speeds.ESP32, 0x3F400000L, 0x3F800000L, 0x400D0000L, 0x40400000L),
    ESP32_S2(0x0002, "esp32s2", "ESP32-S2", 0x1000, Speeds.ESP32, 0x3F000000L, 0x3FF80000L, 0x40080000L, 0x40800000L),
    ESP32_C3(0x0005, "esp32c3", "ESP32-C3", 0x0, Speeds.ESP32, 0x3C000000L, 0x3C800000L, 0x42000000L, 0x42800000L),
    ESP32_S3(0x0009, "esp32s3", "ESP32-S3", 0x0, Speeds.ESP32, 0x3C000000L, 0x3E000000L, 0x42000000L, 0x44000000L),
    ESP32_C2(0x000C, "esp32c2", "ESP32-C2", 0x0, Speeds.ESP32_C2, 0x3C000000L, 0x3C400000L, 0x42000000L, 0x42400000L),
    ESP32_C6(0x000D, "esp32c6", "ESP32-C6", 0x0, Speeds.ESP32_C6, 0x42000000L, 0x43000000L, 0x42000000L, 0x43000000L),
    ESP32_H2(0x0010, "esp32h2", "ESP32-H2", 0x0, Speeds.ESP32_H2, 0x42000000L, 0x43000000L, 0x42000000L, 0x43000000L),
    ESP32_P4(0x0012, "esp32p4", "ESP32-P4", 0x2000, Speeds.ESP32_C6, 0x40000000L, 0x44000000L, 0x40000000L, 0x44000000L),
    ESP32_C61(0x0014, "esp32c61", "ESP32-C61", 0x0, Speeds.ESP32_C6, 0x42000000L, 0x44000000L, 0x42000000L, 0x44000000L),
    ESP32_C5(0x0017, "esp32c5", "ESP32-C5", 0x2000, Speeds.ESP32_C6, 0x42000000L, 0x44000000L, 0x42000000L, 0x44000000L),
    ESP32_H21(0x0019, "esp32h21", "ESP32-H21", 0x0, Speeds.ESP32_H2, 0x42000000L, 0x44000000L, 0x42000000L, 0x44000000L),
    ESP32_H4(0x001C, "esp32h4", "ESP32-H4", 0x2000, Speeds.ESP32_H2, 0x42000000L, 0x44000000L, 0x42000000L, 0x44000000L),
    ESP32_E22(0x001F, "esp32e22", "ESP32-E22", 0x2000, Speeds.ESP32_C6, 0x40000000L, 0x44000000L, 0x40000000L, 0x44000000L),
    ESP32_S31(0x0020, "esp32s31", "ESP32-S31", 0x2000, Speeds.ESP32_C6, 0x40000000L, 0x44000000L, 0x40000000L, 0x44000000L);

    /** {@code ESP_CHIP_ID_INVALID}. */
    public static final int INVALID_ID = 0xFFFF;

    private final int id;
    private final String esptoolName;
    private final String displayName;
    private final int bootloaderOffset;
    private final String[] speedNames;
    private final long dromLow;
    private final long dromHigh;
    private final long iromLow;
    private final long iromHigh;

    Chip(int id, String esptoolName, String displayName, int bootloaderOffset, String[] speedNames,
            long dromLow, long dromHigh, long iromLow, long iromHigh) {
        this.id = id;
        this.esptoolName = esptoolName;
        this.displayName = displayName;
        this.bootloaderOffset = bootloaderOffset;
        this.speedNames = speedNames;
        this.dromLow = dromLow;
        this.dromHigh = dromHigh;
        this.iromLow = iromLow;
        this.iromHigh = iromHigh;
    }

    /** The {@code esp_chip_id_t} value of image header offset 12. */
    public int id() {
        return id;
    }

    /** The name esptool uses for {@code --chip}, e.g. {@code esp32c3}. */
    public String esptoolName() {
        return esptoolName;
    }

    /** The marketing name, e.g. {@code ESP32-C3}. */
    public String displayName() {
        return displayName;
    }

    /** Flash offset of the second-stage bootloader (esptool {@code BOOTLOADER_FLASH_OFFSET}). */
    public int bootloaderOffset() {
        return bootloaderOffset;
    }

    /**
     * Whether the ROM falls back to a recovery bootloader when the primary one fails to load
     * ({@code SOC_RECOVERY_BOOTLOADER_SUPPORTED}: ESP32-C5, C61, P4 and S31).
     */
    public boolean hasRecoveryBootloader() {
        return this == ESP32_C5 || this == ESP32_C61 || this == ESP32_P4 || this == ESP32_S31;
    }

    /** The esptool name of the header's flash-speed nibble on this chip, e.g. {@code 80m}, or the raw value. */
    public String flashSpeedName(int nibble) {
        String name = speedNames[nibble & 0xF];
        return name != null ? name : String.format("0x%x", nibble & 0xF);
    }

    /** True where the cache maps this load address from flash (IROM or DROM), so it must be MMU-page aligned. */
    public boolean isFlashMapped(long loadAddress) {
        return (loadAddress >= dromLow && loadAddress < dromHigh) || (loadAddress >= iromLow && loadAddress < iromHigh);
    }

    /** The first flash-mapped data (DROM) address, where an app's first segment and its descriptor load. */
    public long dromBase() {
        return dromLow;
    }

    public static Optional<Chip> byId(int id) {
        for (Chip chip : values()) {
            if (chip.id == id) {
                return Optional.of(chip);
            }
        }
        return Optional.empty();
    }

    /** Looks a chip up by esptool name ({@code esp32c3}) or display name ({@code ESP32-C3}), case-insensitive. */
    public static Optional<Chip> byName(String name) {
        String wanted = name.toLowerCase(Locale.ROOT).replace("-", "");
        for (Chip chip : values()) {
            if (chip.esptoolName.equals(wanted)) {
                return Optional.of(chip);
            }
        }
        return Optional.empty();
    }

    /** esptool's {@code FLASH_FREQUENCY} tables, read from nibble to name. */
    private static final class Speeds {
        static final String[] ESP32 = table("40m", "26m", "20m", "80m");
        static final String[] ESP32_C2 = table("30m", "20m", "15m", "60m");
        static final String[] ESP32_H2 = table("24m", "16m", "12m", "48m");
        static final String[] ESP32_C6 = table("40m", null, "20m", "80m");

        private static String[] table(String div2, String div3, String div4, String div1) {
            String[] names = new String[16];
            names[0x0] = div2;
            names[0x1] = div3;
            names[0x2] = div4;
            names[0xF] = div1;
            return names;
        }
    }
}
