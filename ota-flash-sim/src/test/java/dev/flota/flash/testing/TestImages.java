package dev.flota.flash.testing;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageBuilder;
import java.util.Random;
import java.util.function.UnaryOperator;

/**
 * Real ESP app images made by our own {@link ImageBuilder}, for tests that must not depend on the vectors: the
 * {@link SyntheticApp} layout with data segments, seeded by payload and version.
 */
public final class TestImages {

    private TestImages() {
    }

    public static AppDescription description(String version, long secureVersion) {
        return SyntheticApp.of(version).secureVersion(secureVersion).description();
    }

    /** An app for {@code chip} with DROM, IROM and RAM segments holding {@code payload} pseudo-random bytes. */
    public static byte[] app(Chip chip, String version, int payload) {
        return builder(chip, version, payload).build();
    }

    public static ImageBuilder builder(Chip chip, String version, int payload) {
        return builder(chip, version, payload, UnaryOperator.identity());
    }

    /** As {@link #builder(Chip, String, int)}, with the app's descriptor or layout changed by {@code tweak}. */
    public static ImageBuilder builder(Chip chip, String version, int payload, UnaryOperator<SyntheticApp> tweak) {
        return tweak.apply(SyntheticApp.of(version).chip(chip).seed(payload * 31L + version.hashCode())
                .withDataSegments()).builder(payload);
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
