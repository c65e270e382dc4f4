package dev.flota.ota.http;

/** A failed fetch, with the reason (mapped to an {@code OtaError} by the pipeline) and the HTTP status if any. */
public final class FetchException extends RuntimeException {

    /**
     * Why. {@code RANGE_IGNORED}: a ranged answer other than the exact 206 asked for; {@code RANGE_IGNORED_MIDWAY}: a
     * 200 to a range after byte 0, from a server that ignores Range, whose bytes cannot be spliced in.
     */
    public enum Reason {
        INVALID_ARG, CONNECT, MAX_REDIRECT, NOT_MODIFIED, RANGE_NOT_SATISFIABLE, RANGE_IGNORED, UNAUTHORIZED,
        STATUS, NO_CONTENT_LENGTH, INCOMPLETE, READ_TIMEOUT, IMAGE_CHANGED, INSECURE_REDIRECT,
        RANGE_IGNORED_MIDWAY
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

    /** Whether the update can go on by fetching the image again from byte 0 (it changed, or Range is ignored). */
    public boolean restartsImage() {
        return reason == Reason.IMAGE_CHANGED || reason == Reason.RANGE_IGNORED_MIDWAY;
    }

    boolean retriable() {
        return reason == Reason.INCOMPLETE || reason == Reason.READ_TIMEOUT;
    }
}
