package dev.flota.flash.nvs;

import dev.flota.flash.FormatException;

/**
 * What ESP-IDF's NVS would answer with an error: a partition {@code nvs_flash_init} refuses to mount, or a write
 * {@code nvs_set_*} refuses. {@link #error()} carries the {@code ESP_ERR_NVS_*} name and code.
 */
public final class NvsException extends FormatException {

    /** The {@code esp_err_t} of NVS that Flota reproduces. */
    public enum Error {
        NOT_FOUND(0x1102),
        TYPE_MISMATCH(0x1103),
        READ_ONLY(0x1104),
        NOT_ENOUGH_SPACE(0x1105),
        INVALID_NAME(0x1106),
        KEY_TOO_LONG(0x1109),
        INVALID_LENGTH(0x110C),
        NO_FREE_PAGES(0x110D),
        VALUE_TOO_LONG(0x110E),
        NEW_VERSION_FOUND(0x1110),
        /** Not an NVS code: {@code ESP_ERR_INVALID_SIZE}, a partition that is not a whole number of pages. */
        INVALID_SIZE(0x104);

        private final int code;

        Error(int code) {
            this.code = code;
        }

        public int code() {
            return code;
        }

        public String espName() {
            return this == INVALID_SIZE ? "ESP_ERR_INVALID_SIZE" : "ESP_ERR_NVS_" + name();
        }
    }

    private final Error error;

    public NvsException(Error error, String message) {
        super(error.espName() + ": " + message);
        this.error = error;
    }

    public Error error() {
        return error;
    }
}
