package dev.flota.bench;

/** A problem with how the command was called (bad argument, unreadable file): exit code 2, one line on stderr. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }

    public UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
