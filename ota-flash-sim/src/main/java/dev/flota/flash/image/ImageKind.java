package dev.flota.flash.image;

/** What an image is for: an app (has {@code esp_app_desc_t}) or a second-stage bootloader. */
public enum ImageKind {
    APP, BOOTLOADER;

    /** The lowercase name the command line prints ({@code app}, {@code bootloader}). */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
