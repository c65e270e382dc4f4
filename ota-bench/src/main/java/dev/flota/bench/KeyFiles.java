package dev.flota.bench;

import dev.flota.flash.FormatException;
import dev.flota.flash.keys.PemKeys;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SecureBootSigner;
import dev.flota.ota.encrypted.DecryptException;
import dev.flota.ota.encrypted.DecryptionKey;
import java.nio.file.Path;

/** PEM key files given on the command line; a key that cannot be used is a usage error. */
public final class KeyFiles {

    private KeyFiles() {
    }

    /** The Secure Boot V2 public key in a public-key PEM, or the one that goes with a private-key PEM. */
    public static SecureBootKey verificationKey(Path path) {
        String pem = CliFiles.readText(path);
        try {
            return PemKeys.isPrivate(pem) ? SecureBootSigner.from(PemKeys.privateKey(pem)).publicKey()
                    : SecureBootKey.from(PemKeys.publicKey(pem));
        } catch (FormatException | IllegalArgumentException e) {
            throw new UsageException(path + ": " + e.getMessage(), e);
        }
    }

    /**
     * The device's key for pre-encrypted images: from the private-key PEM {@code pem} when given, else from the
     * 32-byte HMAC key file {@code hmac} (ECC scheme). A key that cannot be used is a usage error whose message starts
     * with {@code what}.
     */
    public static DecryptionKey decryptionKey(Path pem, Path hmac, String what) {
        try {
            return pem != null ? DecryptionKey.fromPem(CliFiles.readText(pem))
                    : DecryptionKey.fromHmacKey(CliFiles.read(hmac));
        } catch (FormatException | IllegalArgumentException | DecryptException e) {
            throw new UsageException(what + ": " + e.getMessage(), e);
        }
    }

    public static SecureBootSigner signingKey(Path path) {
        try {
            return SecureBootSigner.from(PemKeys.privateKey(CliFiles.readText(path)));
        } catch (FormatException | IllegalArgumentException e) {
            throw new UsageException(path + ": " + e.getMessage(), e);
        }
    }
}
