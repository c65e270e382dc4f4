package dev.flota.flash.nor;

/** A flash operation that did not happen (or, after a power loss, happened only in part). */
public final class FlashException extends RuntimeException {

    private final FlashError error;

    public FlashException(FlashError error, String message) {
        super(error.espName() + ": " + message);
        this.error = error;
    }

    public FlashError error() {
        return error;
    }
}
