package dev.flota.ota;

import java.util.OptionalInt;

/** A failed update: the {@link OtaError} (with its ESP name and code) and, for HTTP failures, the status. */
public final class OtaException extends RuntimeException {

    private final OtaError error;
    private final int httpStatus;

    public OtaException(OtaError error, String message) {
        this(error, message, -1, null);
    }

    public OtaException(OtaError error, String message, Throwable cause) {
        this(error, message, -1, cause);
    }

    public OtaException(OtaError error, String message, int httpStatus, Throwable cause) {
        super(error + " (" + error.espName() + "): " + message, cause);
        this.error = error;
        this.httpStatus = httpStatus;
    }

    public OtaError error() {
        return error;
    }

    public OptionalInt httpStatus() {
        return httpStatus < 0 ? OptionalInt.empty() : OptionalInt.of(httpStatus);
    }
}
