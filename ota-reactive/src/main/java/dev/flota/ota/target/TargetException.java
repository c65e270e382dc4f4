package dev.flota.ota.target;

import dev.flota.flash.EspError;
import java.util.Objects;

/**
 * A call on an {@link OtaTarget} that returned an ESP-IDF error: the error, with its ESP name and code, and what was
 * wrong. Targets may subclass it to say more (a broken link, a power cut), but keep the ESP error the engine maps.
 */
public class TargetException extends RuntimeException {

    private final EspError error;

    public TargetException(EspError error, String message) {
        this(error, message, null);
    }

    public TargetException(EspError error, String message, Throwable cause) {
        super(Objects.requireNonNull(error, "error").name() + ": " + message, cause);
        this.error = error;
    }

    public EspError error() {
        return error;
    }
}
