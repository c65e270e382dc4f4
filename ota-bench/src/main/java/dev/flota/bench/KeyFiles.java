package dev.flota.bench;

import dev.flota.flash.FormatException;
import dev.flota.flash.keys.PemKeys;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SecureBootSigner;
import java.nio.file.Path;

/** PEM key files given on the command line; a key that cannot be used is a usage error. */
final class KeyFiles {

    private KeyFiles() {
    }

    /** The Secure Boot V2 public key in a public-key PEM, or the one that goes with a private-key PEM. */
    static SecureBootKey verificationKey(Path path) {
        String pem = CliFiles.readText(path);
        try {
            return PemKeys.isPrivate(pem) ? SecureBootSigner.from(PemKeys.privateKey(pem)).publicKey()
                    : SecureBootKey.from(PemKeys.publicKey(pem));
        } catch (FormatException | IllegalArgumentException e) {
            throw new UsageException(path + ": " + e.getMessage(), e);
        }
    }

    static SecureBootSigner signingKey(Path path) {
        try {
            return SecureBootSigner.from(PemKeys.privateKey(CliFiles.readText(path)));
        } catch (FormatException | IllegalArgumentException e) {
            throw new UsageException(path + ": " + e.getMessage(), e);
        }
    }
}
