package dev.flota.flash.keys;

import dev.flota.flash.FormatException;

/** A PEM file that holds no key of the kind asked for, or one that cannot be decoded. */
public final class KeyFormatException extends FormatException {

    public KeyFormatException(String message) {
        super(message);
    }

    public KeyFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
