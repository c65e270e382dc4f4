package dev.flota.flash;

/**
 * Malformed input to one of the ESP-IDF format parsers (image, signature sector, partition table, otadata).
 * Parsers throw this, never an unchecked exception of the JDK, and never allocate by an untrusted length.
 */
public class FormatException extends RuntimeException {

    public FormatException(String message) {
        super(message);
    }

    public FormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
