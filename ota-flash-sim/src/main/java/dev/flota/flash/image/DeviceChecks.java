package dev.flota.flash.image;

import java.util.List;
import java.util.function.BiConsumer;

/**
 * The device's rules on an image it verifies: the header's chip ID and chip revision range
 * ({@code bootloader_common_check_chip_validity}), the MMU alignment of flash-mapped segments
 * ({@code verify_segment_header}) and, for an app, the descriptor's eFuse block revision range
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

    /**
     * {@code verify_segment_header}: the MMU maps whole pages, so a flash-mapped segment's data must start at the same
     * offset within an MMU page of the file as its load address has within a page of the address space.
     */
    static void mmuAlignment(List<ImageSegment> segments, Chip chip, int page, BiConsumer<ImageError, String> finding) {
        for (int i = 0; i < segments.size(); i++) {
            ImageSegment s = segments.get(i);
            if (chip.isFlashMapped(s.loadAddress()) && s.dataOffset() % page != s.loadAddress() % page) {
                finding.accept(ImageError.SEGMENT_MMU_MISALIGNED, String.format(
                        "segment %d at 0x%x is flash-mapped but its data starts at file offset 0x%x (MMU page 0x%x)",
                        i, s.loadAddress(), s.dataOffset(), page));
            }
        }
    }

    static String revisionText(int full) {
        return "v" + full / 100 + "." + full % 100;
    }
}
