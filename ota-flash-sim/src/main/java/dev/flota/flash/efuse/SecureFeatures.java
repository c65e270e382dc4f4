package dev.flota.flash.efuse;

import dev.flota.flash.efuse.EfuseLayout.Family;

/**
 * The batches of eFuses ESP-IDF burns beside the keys: what the bootloader burns when it turns Secure Boot V2 on
 * ({@code esp_secure_boot_enable_secure_features}, spec §2.4 step 5), and the download-mode and JTAG restrictions of
 * release mode ({@code esp_flash_encryption_set_release_mode}, spec §1.6).
 */
public final class SecureFeatures {

    private SecureFeatures() {
    }

    /**
     * Secure Boot V2 on, with its secure features. ESP32: {@code ABS_DONE_1}, {@code JTAG_DISABLE},
     * {@code CONSOLE_DEBUG_DISABLE}. Others: {@code DIS_DIRECT_BOOT}, Secure Download Mode
     * ({@code ENABLE_SECURITY_DOWNLOAD}, the default of {@code SECURE_UART_ROM_DL_MODE}), {@code DIS_USB_JTAG},
     * {@code DIS_PAD_JTAG}, {@code SECURE_BOOT_AGGRESSIVE_REVOKE} when asked, {@code SECURE_BOOT_EN}, then
     * {@code WR_DIS.RD_DIS}.
     */
    public static Efuses enableSecureBoot(Efuses efuses, boolean aggressiveRevoke) {
        EfuseLayout layout = efuses.layout();
        if (aggressiveRevoke && !layout.supportsRevocation()) {
            throw new EfuseException(EfuseException.Reason.NOT_SUPPORTED, layout.chip().displayName()
                    + " has no aggressive key revocation");
        }
        if (layout.family() == Family.ESP32) {
            return burnAll(efuses, "ABS_DONE_1", "JTAG_DISABLE", "CONSOLE_DEBUG_DISABLE");
        }
        Efuses out = burnAll(efuses, "DIS_DIRECT_BOOT", "ENABLE_SECURITY_DOWNLOAD", "DIS_USB_JTAG", "DIS_PAD_JTAG");
        if (aggressiveRevoke) {
            out = out.burn("SECURE_BOOT_AGGRESSIVE_REVOKE", 1);
        }
        return out.burn("SECURE_BOOT_EN", 1).writeProtect("RD_DIS");
    }

    /**
     * Release mode's restrictions. ESP32: {@code DISABLE_DL_ENCRYPT}, {@code _DECRYPT}, {@code _CACHE},
     * {@code JTAG_DISABLE}, {@code CONSOLE_DEBUG_DISABLE}. Others: {@code DIS_DOWNLOAD_MANUAL_ENCRYPT},
     * {@code DIS_DOWNLOAD_ICACHE} and {@code _DCACHE} where the chip has them, both JTAG fuses,
     * {@code DIS_DIRECT_BOOT} and Secure Download Mode. The flash-encryption counter is not touched here.
     */
    public static Efuses release(Efuses efuses) {
        EfuseLayout layout = efuses.layout();
        if (layout.family() == Family.ESP32) {
            return burnAll(efuses, "DISABLE_DL_ENCRYPT", "DISABLE_DL_DECRYPT", "DISABLE_DL_CACHE", "JTAG_DISABLE",
                    "CONSOLE_DEBUG_DISABLE");
        }
        if (layout.family() == Family.ESP32_C2) {
            return burnAll(efuses, "DIS_DIRECT_BOOT", "ENABLE_SECURITY_DOWNLOAD");
        }
        return burnAll(efuses, "DIS_DOWNLOAD_MANUAL_ENCRYPT", "DIS_DOWNLOAD_ICACHE", "DIS_DOWNLOAD_DCACHE",
                "DIS_USB_JTAG", "DIS_PAD_JTAG", "DIS_DIRECT_BOOT", "ENABLE_SECURITY_DOWNLOAD");
    }

    private static Efuses burnAll(Efuses efuses, String... names) {
        Efuses out = efuses;
        for (String name : names) {
            if (out.layout().field(name).isPresent()) {
                out = out.burn(name, 1);
            }
        }
        return out;
    }
}
