package dev.flota.ota.http;

/** A failed fetch, with the reason (mapped to an {@code OtaError} by the pipeline) and the HTTP status if any. */
public final class FetchException extends RuntimeException {

    /** Why. */
    public enum Reason {
        INVALID_ARG, CONNECT, MAX_REDIRECT, NOT_MODIFIED, RANGE_NOT_SATISFIABLE, RANGE_IGNORED, UNAUTHORIZED,
        STATUS, NO_CONTENT_LENGTH, INCOMPLETE, READ_TIMEOUT, IMAGE_CHANGED, INSECURE_REDIRECT
    }

    private final Reason reason;
    private final int status;

    public FetchException(Reason reason, String message, int status, Throwable cause) {
        super(message, cause);
        this.reason = reason;
        this.status = status;
    }

    public Reason reason() {
        return reason;
    }

    /** The HTTP status, or -1. */
    public int status() {
        return status;
    }

    boolean retriable() {
        return reason == Reason.INCOMPLETE || reason == Reason.READ_TIMEOUT;
    }
}
