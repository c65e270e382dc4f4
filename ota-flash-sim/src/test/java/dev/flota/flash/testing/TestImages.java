package dev.flota.flash.testing;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageBuilder;
import java.util.Random;

/** Real ESP app images made by our own {@link ImageBuilder}, for tests that must not depend on the vectors. */
public final class TestImages {

    private TestImages() {
    }

    public static AppDescription description(String version, long secureVersion) {
        return description(version, secureVersion, 0, 0, 0);
    }

    /** A descriptor with an eFuse block revision range and an SPI flash mode (0 for none recorded). */
    public static AppDescription description(String version, long secureVersion, int minEfuseBlkRevFull,
            int maxEfuseBlkRevFull, int spiFlashMode) {
        return new AppDescription(secureVersion, version, "flota-test", "12:00:00", "Nov 23 2026", "v5.5-flota",
                "00".repeat(32), minEfuseBlkRevFull, maxEfuseBlkRevFull, 16, spiFlashMode);
    }

    /** An app for {@code chip} with DROM, IROM and RAM segments holding {@code payload} pseudo-random bytes. */
    public static byte[] app(Chip chip, String version, int payload) {
        return builder(chip, version, payload).build();
    }

    public static ImageBuilder builder(Chip chip, String version, int payload) {
        return builder(chip, description(version, 0), payload);
    }

    /** As {@link #builder(Chip, String, int)}, with this app descriptor. */
    public static ImageBuilder builder(Chip chip, AppDescription description, int payload) {
        String version = description.version();
        Random random = new Random(payload * 31L + version.hashCode());
        byte[] rodata = new byte[payload / 2 & ~3];
        byte[] code = new byte[(payload - rodata.length) & ~3];
        random.nextBytes(rodata);
        random.nextBytes(code);
        return ImageBuilder.app(chip, description)
                .segment(chip.dromBase() + 0x10000 + 0x120, rodata)
                .segment(0x40800000L, new byte[] {1, 2, 3, 4, 5, 6, 7, 8})
                .segment(chip == Chip.ESP32 ? 0x400D0018L : 0x42010018L, code);
    }

    /**
     * A second-stage bootloader for {@code chip} with an {@code esp_bootloader_desc_t} of this version, then code and
     * data segments of {@code payload} pseudo-random bytes at RAM addresses.
     */
    public static byte[] bootloader(Chip chip, long version, int payload) {
        Random random = new Random(payload * 17L + version);
        byte[] code = new byte[payload / 2 & ~3];
        byte[] data = new byte[(payload - code.length) & ~3];
        random.nextBytes(code);
        random.nextBytes(data);
        BootloaderDescription description = new BootloaderDescription(0, version, "v5.5-flota", "Nov 23 2026 12:00:00");
        return ImageBuilder.bootloader(chip, 0x40800000L, description).segment(0x40810000L, code)
                .segment(0x40820000L, data).build();
    }
}
