package dev.flota.flash.loader;

import dev.flota.flash.efuse.EfuseLayout;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.encryption.FlashEncryptionException;
import dev.flota.flash.encryption.FlashEncryptionKey;
import dev.flota.flash.serial.LoaderErrorCode;

/**
 * Whether an encrypted FLASH_BEGIN ({@code esptool write-flash --encrypt}) may run now, and with which cipher: the
 * device's key from eFuse, or the replies the ROM and the stub refuse with.
 *
 * @param cipher      the key's cipher when allowed, else null
 * @param refusal     the ROM's reply when refused, else null
 * @param stubRefusal the stub's reply when refused, else null
 * @param reason      why it is refused, for logs and tests; null when allowed
 */
record DownloadEncryption(FlashCipher cipher, LoaderErrorCode refusal, LoaderErrorCode stubRefusal, String reason) {

    /**
     * Whether a loader (the stub when {@code stub}) may encrypt what FLASH_BEGIN's fifth word asks it to
     * (device_security.md §1.9): never the ESP32 ROM (only its stub); never when the eFuses forbid encryption in download mode (ESP32
     * {@code DISABLE_DL_ENCRYPT}, others {@code DIS_DOWNLOAD_MANUAL_ENCRYPT}: release mode); never without a key.
     * The ROM's refusal is 0x0106 ("Message is ok, but the running result is wrong", what a ROM answers to a
     * well-formed FLASH_BEGIN it will not run), the stub's 0xC400 (failed SPI operation); neither is verified on a chip.
     */
    static DownloadEncryption of(Efuses efuses, boolean stub) {
        boolean esp32 = efuses.layout().family() == EfuseLayout.Family.ESP32;
        if (esp32 && !stub) {
            return refused(LoaderErrorCode.ROM_INVALID_PARAMETER, null,
                    "the ESP32 ROM cannot encrypt: only its flasher stub can");
        }
        String forbid = esp32 ? "DISABLE_DL_ENCRYPT" : "DIS_DOWNLOAD_MANUAL_ENCRYPT";
        if (efuses.layout().field(forbid).isPresent() && efuses.isSet(forbid)) {
            return refused(LoaderErrorCode.ROM_RESULT_WRONG, LoaderErrorCode.FAILED_SPI_OP,
                    "release mode forbids encrypted download; only pre-encrypted ciphertext can be written");
        }
        var key = efuses.security().flashEncryptionKey();
        if (key.isEmpty()) {
            return refused(LoaderErrorCode.ROM_RESULT_WRONG, LoaderErrorCode.FAILED_SPI_OP,
                    "no flash-encryption key is burned");
        }
        try {
            FlashEncryptionKey parsed = FlashEncryptionKey.parse(efuses.chip(), key.get());
            return allowed(esp32 ? FlashCipher.of(parsed, efuses.security().flashCryptConfig())
                    : FlashCipher.of(parsed));
        } catch (FlashEncryptionException | IllegalArgumentException e) {
            return refused(LoaderErrorCode.ROM_RESULT_WRONG, LoaderErrorCode.FAILED_SPI_OP,
                    "the burned key is unusable: " + e.getMessage());
        }
    }

    static DownloadEncryption allowed(FlashCipher cipher) {
        return new DownloadEncryption(cipher, null, null, null);
    }

    static DownloadEncryption refused(LoaderErrorCode rom, LoaderErrorCode stub, String reason) {
        return new DownloadEncryption(null, rom, stub, reason);
    }
}
