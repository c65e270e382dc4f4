package dev.flota.bench;

/** A problem with how the command was called (bad argument, unreadable file): exit code 2, one line on stderr. */
final class UsageException extends RuntimeException {
    UsageException(String message) {
        super(message);
    }

    UsageException(String message, Throwable cause) {
        super(message, cause);
    }
}
