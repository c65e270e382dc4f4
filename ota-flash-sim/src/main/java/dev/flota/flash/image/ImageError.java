package dev.flota.flash.image;

/**
 * Why {@code esp_image_verify} (or a stricter check of ours) refuses an image. {@link #isFatal() Fatal} errors stop the
 * parse because nothing after them can be located; the others are collected so a report lists every finding.
 */
public enum ImageError {
    INVALID_MAGIC(true),
    TOO_MANY_SEGMENTS(true),
    SEGMENT_LENGTH_UNALIGNED(true),
    SEGMENT_TOO_LARGE(true),
    TRUNCATED(true),
    CHIP_ID_MISMATCH(false),
    CHIP_REVISION_TOO_LOW(false),
    CHIP_REVISION_TOO_HIGH(false),
    EFUSE_BLOCK_REVISION_TOO_LOW(false),
    EFUSE_BLOCK_REVISION_TOO_HIGH(false),
    SEGMENT_MMU_MISALIGNED(false),
    FIRST_SEGMENT_TOO_SHORT(false),
    MISSING_APP_DESCRIPTION(false),
    WRONG_IMAGE_KIND(false),
    CHECKSUM_MISMATCH(false),
    IMAGE_TOO_LARGE(false),
    SHA256_MISMATCH(false),
    SIGNATURE_MISSING(false),
    SIGNATURE_INVALID(false);

    private final boolean fatal;

    ImageError(boolean fatal) {
        this.fatal = fatal;
    }

    public boolean isFatal() {
        return fatal;
    }
}
