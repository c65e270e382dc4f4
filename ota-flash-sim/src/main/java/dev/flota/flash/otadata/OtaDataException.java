package dev.flota.flash.otadata;

import dev.flota.flash.FormatException;

/** otadata that cannot be read (wrong length) or a sequence number that cannot be written. */
public final class OtaDataException extends FormatException {

    public OtaDataException(String message) {
        super(message);
    }
}
