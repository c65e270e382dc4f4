package dev.flota.ota.target;

import dev.flota.flash.image.Chip;
import java.util.Objects;

/**
 * What a device is, as the checks {@code esp_https_ota} makes on an image's first bytes read it: the chip
 * ({@code CONFIG_IDF_FIRMWARE_CHIP_ID}), its revision from eFuse, and the anti-rollback secure version.
 *
 * @param chip               the chip the firmware runs on
 * @param chipRevision       {@code major * 100 + minor}
 * @param antiRollback       whether {@code CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK} is on
 * @param efuseSecureVersion the secure version burnt into eFuse
 */
public record TargetIdentity(Chip chip, int chipRevision, boolean antiRollback, int efuseSecureVersion) {

    public TargetIdentity {
        Objects.requireNonNull(chip, "chip");
    }
}
