package dev.flota.ota.encrypted;

/** What the decrypt stage reports while it runs ({@code ESP_HTTPS_OTA_DECRYPT_CB} and friends, by name). */
public sealed interface DecryptEvent {

    /** The 512-byte header was read and the AES key recovered. */
    record HeaderRead(EncryptionScheme scheme, long plaintextSize) implements DecryptEvent {
    }

    /** Plaintext released so far (not yet authenticated). */
    record Decrypted(long cumulativeBytes) implements DecryptEvent {
    }

    /** All {@code bin_size} bytes arrived and the GCM tag authenticated them. */
    record Verified(long plaintextSize) implements DecryptEvent {
    }
}
