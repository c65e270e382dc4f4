package dev.flota.flash.device;

import dev.flota.flash.efuse.EfuseLayout;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.Chip;
import java.util.List;

/**
 * {@code esp_get_flash_encryption_mode} (spec §1.6 "Mode detection"): {@code DISABLED} while {@code CRYPT_CNT} is
 * even; {@code RELEASE} when the counter is frozen (all ones, or its write protection burned) and the download-mode
 * restrictions are set; {@code DEVELOPMENT} for any other odd count.
 */
public enum FlashEncryptionMode {
    DISABLED, DEVELOPMENT, RELEASE;

    public static FlashEncryptionMode of(Efuses efuses) {
        if (!efuses.security().flashEncryptionEnabled()) {
            return DISABLED;
        }
        EfuseLayout layout = efuses.layout();
        String counter = layout.cryptCntField();
        int bits = layout.require(counter).bits();
        boolean frozen = efuses.writeProtected(counter) || efuses.security().cryptCnt() == (1 << bits) - 1;
        if (efuses.chip() == Chip.ESP32_C2 && !efuses.writeProtected(counter)) {
            return DEVELOPMENT;
        }
        List<String> restrictions = efuses.chip() == Chip.ESP32
                ? List.of("DISABLE_DL_CACHE", "DISABLE_DL_ENCRYPT", "DISABLE_DL_DECRYPT")
                : List.of("DIS_DOWNLOAD_MANUAL_ENCRYPT", "DIS_DOWNLOAD_ICACHE", "DIS_DOWNLOAD_DCACHE",
                        "SPI_DOWNLOAD_MSPI_DIS");
        boolean restricted = restrictions.stream().allMatch(name -> layout.field(name).isEmpty() || efuses.isSet(name));
        return frozen && restricted ? RELEASE : DEVELOPMENT;
    }
}
