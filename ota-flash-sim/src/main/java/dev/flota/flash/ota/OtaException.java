package dev.flota.flash.ota;

import dev.flota.flash.EspError;

/** An {@code esp_ota_*} call that returned an error: the ESP error and what was wrong. */
public final class OtaException extends RuntimeException {

    private final EspError error;

    public OtaException(EspError error, String message) {
        super(error.name() + ": " + message);
        this.error = error;
    }

    public OtaException(EspError error, String message, Throwable cause) {
        super(error.name() + ": " + message, cause);
        this.error = error;
    }

    public EspError error() {
        return error;
    }
}
