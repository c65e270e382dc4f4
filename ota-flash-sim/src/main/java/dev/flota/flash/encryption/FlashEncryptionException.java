package dev.flota.flash.encryption;

import dev.flota.flash.EspError;

/**
 * A flash-encryption operation refused: a misaligned encrypted write ({@code ESP_ERR_INVALID_ARG} for the address,
 * {@code ESP_ERR_INVALID_SIZE} for the length, as {@code esp_flash_write_encrypted}), a key the chip cannot use, or a
 * first-boot pass with nothing valid to encrypt.
 */
public final class FlashEncryptionException extends RuntimeException {

    private final EspError error;

    public FlashEncryptionException(EspError error, String message) {
        super(error.name() + ": " + message);
        this.error = error;
    }

    public EspError error() {
        return error;
    }
}
