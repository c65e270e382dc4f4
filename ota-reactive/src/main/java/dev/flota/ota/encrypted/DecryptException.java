package dev.flota.ota.encrypted;

/** A pre-encrypted image that cannot be decrypted or authenticated; plaintext already released must be discarded. */
public final class DecryptException extends RuntimeException {

    private final DecryptError error;

    public DecryptException(DecryptError error, String message) {
        super(message);
        this.error = error;
    }

    public DecryptException(DecryptError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public DecryptError error() {
        return error;
    }
}
