package dev.flota.ota;

import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.pipeline.ImagePolicy;
import java.util.List;
import java.util.Objects;

/**
 * What an update does with the image itself: decrypt it ({@code esp_encrypted_img}), require a Secure Boot V2
 * signature by one of {@code verifyKeys}, and the caller's veto before the first erase.
 *
 * @param decryptionKey the device's key for a pre-encrypted image, or null for a plain one
 * @param verifyKeys    keys of which one must have signed the image; empty for no signature check
 * @param policy        the caller's veto
 */
public record ImageSettings(DecryptionKey decryptionKey, List<SecureBootKey> verifyKeys, ImagePolicy policy) {

    public ImageSettings {
        verifyKeys = List.copyOf(verifyKeys);
        Objects.requireNonNull(policy, "policy");
    }

    /** A plain image, no signature required, every image accepted. */
    public static ImageSettings defaults() {
        return new ImageSettings(null, List.of(), ImagePolicy.acceptAll());
    }

    public boolean decrypts() {
        return decryptionKey != null;
    }
}
