package dev.flota.flash.efuse;

/** A burn the eFuse controller (or espefuse) refuses, and why. Nothing was burned. */
public final class EfuseException extends IllegalArgumentException {

    /** Why the burn was refused. */
    public enum Reason {
        /** The chip has no field of that name. */
        UNKNOWN_FIELD,
        /** The new value would clear a bit that is already 1: eFuse bits only go from 0 to 1. */
        WOULD_CLEAR_BITS,
        /** The field's {@code WR_DIS} bit is burned. */
        WRITE_PROTECTED,
        /** The value does not fit the field. */
        VALUE_TOO_WIDE,
        /** No key block is free for a new key or digest. */
        NO_FREE_KEY_BLOCK,
        /** The chip does not have the feature. */
        NOT_SUPPORTED
    }

    private final Reason reason;

    public EfuseException(Reason reason, String message) {
        super(message);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
