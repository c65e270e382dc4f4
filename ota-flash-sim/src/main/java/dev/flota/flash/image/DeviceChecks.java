package dev.flota.flash.image;

import java.util.function.BiConsumer;

/**
 * The device's rules on an image it verifies: the header's chip ID and chip revision range
 * ({@code bootloader_common_check_chip_validity}) and, for an app, the descriptor's eFuse block revision range
 * ({@code bootloader_common_check_efuse_blk_validity}).
 */
final class DeviceChecks {

    private DeviceChecks() {
    }

    static void chip(ImageHeader header, Chip chip, int revision, BiConsumer<ImageError, String> finding) {
        if (header.chipId() != chip.id()) {
            finding.accept(ImageError.CHIP_ID_MISMATCH, String.format("image is for chip id %d (%s), device is %s (%d)",
                    header.chipId(), header.chip().map(Chip::displayName).orElse("unknown"), chip.displayName(),
                    chip.id()));
            return;
        }
        if (revision < header.minChipRevFull()) {
            finding.accept(ImageError.CHIP_REVISION_TOO_LOW, "image needs chip revision >= "
                    + revisionText(header.minChipRevFull()) + ", device is " + revisionText(revision));
        }
        header.maxChipRevision().filter(max -> revision > max).ifPresent(max -> finding.accept(
                ImageError.CHIP_REVISION_TOO_HIGH, "image supports chip revision <= " + revisionText(max)
                        + ", device is " + revisionText(revision)));
    }

    /**
     * {@code esp_image_verify} checks segment 0 of every image not at the bootloader offset, on every chip but the
     * ESP32 (which has no eFuse bits for it): the device's eFuse block revision must be at least
     * {@code min_efuse_blk_rev_full} and at most {@code max_efuse_blk_rev_full}, each only when set.
     */
    static void efuseBlock(AppDescription app, Chip chip, int revision, BiConsumer<ImageError, String> finding) {
        if (chip == Chip.ESP32) {
            return;
        }
        app.minEfuseBlockRevision().filter(min -> revision < min).ifPresent(min -> finding.accept(
                ImageError.EFUSE_BLOCK_REVISION_TOO_LOW, "image requires efuse blk rev >= " + revisionText(min)
                        + ", device is " + revisionText(revision)));
        app.maxEfuseBlockRevision().filter(max -> revision > max).ifPresent(max -> finding.accept(
                ImageError.EFUSE_BLOCK_REVISION_TOO_HIGH, "image requires efuse blk rev <= " + revisionText(max)
                        + ", device is " + revisionText(revision)));
    }

    static String revisionText(int full) {
        return "v" + full / 100 + "." + full % 100;
    }
}
