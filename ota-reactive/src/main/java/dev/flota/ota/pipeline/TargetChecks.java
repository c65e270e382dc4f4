package dev.flota.ota.pipeline;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageHeader;
import dev.flota.flash.image.ImageKind;
import dev.flota.ota.OtaError;
import dev.flota.ota.target.TargetIdentity;
import java.util.Optional;

/**
 * The checks of an image's header and descriptor against the target that {@link ImageInspection} makes before the
 * first erase, each failing with its {@link OtaError}.
 */
final class TargetChecks {

    private TargetChecks() {
    }

    /** {@code esp_ota_check_image_validity}'s chip ID rule: the header's must be the target's. */
    static void chipId(ImageHeader header, TargetIdentity identity) {
        if (header.chipId() != identity.chip().id()) {
            throw StageException.of(OtaError.INVALID_VERSION, String.format("mismatch chip id, expected %d, found %d",
                    identity.chip().id(), header.chipId()));
        }
    }

    /** {@code esp_ota_check_image_validity}'s chip revision rule; a bootloader skips the maximum. */
    static void chipRevision(ImageHeader header, ImageKind kind, TargetIdentity identity) {
        int revision = identity.chipRevision();
        boolean tooHigh = kind == ImageKind.APP && header.maxChipRevision().filter(max -> revision > max).isPresent();
        if (revision < header.minChipRevFull() || tooHigh) {
            throw StageException.of(OtaError.INVALID_VERSION, String.format(
                    "chip revision check failed: device v%d.%d, image needs v%d.%d%s", revision / 100, revision % 100,
                    header.minChipRevFull() / 100, header.minChipRevFull() % 100, header.maxChipRevision()
                            .map(max -> " to v" + max / 100 + "." + max % 100).orElse("")));
        }
    }

    /**
     * {@code CONFIG_ESP_HTTPS_OTA_VERIFY_SPI_MODE}, as {@code esp_ota_check_image_validity} applies it to an app: the
     * new image's {@code esp_app_desc_t.spi_flash_mode} (descriptor byte 181, {@code CONFIG_ESPTOOLPY_FLASHMODE_VAL}:
     * 1 QIO, 2 QOUT, 3 DIO, 4 DOUT, 5 OPI) must equal the running app's. When either is 0 (built before the field
     * existed) or nothing runs, there is nothing to compare and the image passes. The image header's {@code spi_mode}
     * byte is not compared: esptool rewrites it when flashing, the descriptor records what the app was built for.
     */
    static void spiMode(AppDescription image, Optional<AppDescription> running) {
        int runningMode = running.map(AppDescription::spiFlashMode).orElse(0);
        if (runningMode != 0 && image.spiFlashMode() != 0 && image.spiFlashMode() != runningMode) {
            throw StageException.of(OtaError.SPI_MODE_MISMATCH, String.format(
                    "SPI flash mode mismatch: running app has mode %d (%s), new app has mode %d (%s)", runningMode,
                    spiModeName(runningMode), image.spiFlashMode(), spiModeName(image.spiFlashMode())));
        }
    }

    /**
     * {@code bootloader_common_check_efuse_blk_validity}, which {@code esp_image_verify} applies to an app on every
     * chip but the ESP32: the target's eFuse block revision must be at least the descriptor's
     * {@code min_efuse_blk_rev_full} and at most its {@code max_efuse_blk_rev_full}, each only when set (neither 0
     * nor 0xFFFF).
     */
    static void efuseBlockRevision(AppDescription image, TargetIdentity identity) {
        int revision = identity.efuseBlockRevision();
        if (identity.chip() == Chip.ESP32) {
            return;
        }
        image.minEfuseBlockRevision().filter(min -> revision < min).ifPresent(min -> {
            throw StageException.of(OtaError.EFUSE_BLOCK_REVISION, "image requires efuse blk rev >= "
                    + revisionText(min) + ", but chip is " + revisionText(revision));
        });
        image.maxEfuseBlockRevision().filter(max -> revision > max).ifPresent(max -> {
            throw StageException.of(OtaError.EFUSE_BLOCK_REVISION, "image requires efuse blk rev <= "
                    + revisionText(max) + ", but chip is " + revisionText(revision));
        });
    }

    /** Anti-rollback: the app's secure version must not be below the eFuse's. */
    static void secureVersion(AppDescription image, TargetIdentity identity) {
        if (identity.antiRollback() && image.secureVersion() < identity.efuseSecureVersion()) {
            throw StageException.of(OtaError.SMALL_SEC_VER, "new firmware security version is less than eFuse "
                    + "programmed, " + image.secureVersion() + " < " + identity.efuseSecureVersion());
        }
    }

    static void policy(ImagePolicy policy, ImageCandidate candidate) {
        Optional<String> veto = policy.reject(candidate);
        if (veto.isPresent()) {
            throw StageException.of(OtaError.POLICY_REJECTED, veto.get());
        }
    }

    private static String revisionText(int full) {
        return "v" + full / 100 + "." + full % 100;
    }

    private static String spiModeName(int mode) {
        return switch (mode) {
            case 1 -> "QIO";
            case 2 -> "QOUT";
            case 3 -> "DIO";
            case 4 -> "DOUT";
            case 5 -> "OPI";
            default -> "unknown";
        };
    }
}
