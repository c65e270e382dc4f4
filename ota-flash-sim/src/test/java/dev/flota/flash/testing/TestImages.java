package dev.flota.flash.testing;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageBuilder;

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
        return SyntheticApp.of(version).chip(chip).seed(payload * 31L + version.hashCode()).withDataSegments()
                .builder(payload);
    }
}
