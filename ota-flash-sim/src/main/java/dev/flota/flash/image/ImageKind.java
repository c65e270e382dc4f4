package dev.flota.flash.image;

import java.util.List;
import java.util.Optional;

/** What an image is for: an app (has {@code esp_app_desc_t}) or a second-stage bootloader. */
public enum ImageKind {
    APP, BOOTLOADER;

    /**
     * The kind of a parsed image: its descriptor says so when it has one; without, it is an app when a segment is
     * flash-mapped, since a second-stage bootloader is loaded into RAM only.
     */
    static ImageKind of(Optional<AppDescription> app, Optional<BootloaderDescription> bootloader, Chip chip,
            List<ImageSegment> segments) {
        if (app.isPresent()) {
            return APP;
        }
        if (bootloader.isPresent()) {
            return BOOTLOADER;
        }
        return segments.stream().anyMatch(s -> chip.isFlashMapped(s.loadAddress())) ? APP : BOOTLOADER;
    }

    /** The lowercase name the command line prints ({@code app}, {@code bootloader}). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
