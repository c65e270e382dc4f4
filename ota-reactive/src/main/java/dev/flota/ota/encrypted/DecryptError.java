package dev.flota.ota.encrypted;

/** Why a pre-encrypted image was refused. */
public enum DecryptError {
    /** The first four bytes are not {@code CF B6 88 07}. */
    BAD_MAGIC,
    /** The stream ended inside the 512-byte header. */
    HEADER_TRUNCATED,
    /** RSA: the wrapped AES key does not unwrap to 32 bytes with the device key. */
    KEY_UNWRAP_FAILED,
    /** ECC: the server's ephemeral key in the header is not a point on P-256. */
    INVALID_SERVER_KEY,
    /** ECC: the device key (or the one derived from the HMAC key) is not a valid P-256 private key. */
    KEY_DERIVATION_FAILED,
    /** Fewer payload bytes than {@code bin_size}. */
    TRUNCATED,
    /** More payload bytes than {@code bin_size}. */
    TOO_LONG,
    /** The GCM tag does not authenticate the payload: wrong key, IV, tag or a changed byte. */
    TAG_MISMATCH
}
