package dev.flota.flash.secureboot;

import dev.flota.flash.FormatException;

/** A 1216-byte slot of the signature sector that holds no usable signature block, and why. */
public final class SignatureBlockException extends FormatException {

    /** Why the slot is unusable. */
    public enum Reason { EMPTY, BAD_MAGIC, BAD_CRC, UNKNOWN_VERSION, UNKNOWN_CURVE, MALFORMED }

    private final Reason reason;

    public SignatureBlockException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
