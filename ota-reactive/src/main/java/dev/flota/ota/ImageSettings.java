package dev.flota.ota;

import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.ImageKeys;
import dev.flota.ota.pipeline.ImagePolicy;
import java.util.List;
import java.util.Objects;

/**
 * What an update does with the image itself: decrypt it ({@code esp_encrypted_img}), require a Secure Boot V2
 * signature by one of {@code verifyKeys}, compare an app's SPI flash mode with the running app's, and the caller's
 * veto before the first erase.
 *
 * @param imageKeys     the device's key for a pre-encrypted image and the image key it last recovered, or null for a
 *                      plain image
 * @param verifyKeys    keys of which one must have signed the image; empty for no signature check
 * @param policy        the caller's veto
 * @param verifySpiMode {@code CONFIG_ESP_HTTPS_OTA_VERIFY_SPI_MODE}: refuse an app built for another flash mode
 */
public record ImageSettings(ImageKeys imageKeys, List<SecureBootKey> verifyKeys, ImagePolicy policy,
        boolean verifySpiMode) {

    public ImageSettings {
        verifyKeys = List.copyOf(verifyKeys);
        Objects.requireNonNull(policy, "policy");
    }

    /** A plain image, no signature required, every image accepted, the SPI flash mode checked (ESP-IDF's default). */
    public static ImageSettings defaults() {
        return new ImageSettings(null, List.of(), ImagePolicy.acceptAll(), true);
    }

    public boolean decrypts() {
        return imageKeys != null;
    }

    /** The device's key for a pre-encrypted image, or null for a plain one. */
    public DecryptionKey decryptionKey() {
        return imageKeys == null ? null : imageKeys.key();
    }

    public ImageSettings withDecryptionKey(DecryptionKey key) {
        return new ImageSettings(key == null ? null : ImageKeys.of(key), verifyKeys, policy, verifySpiMode);
    }

    public ImageSettings withVerifyKeys(List<SecureBootKey> keys) {
        return new ImageSettings(imageKeys, keys, policy, verifySpiMode);
    }

    public ImageSettings withPolicy(ImagePolicy value) {
        return new ImageSettings(imageKeys, verifyKeys, value, verifySpiMode);
    }

    public ImageSettings withVerifySpiMode(boolean value) {
        return new ImageSettings(imageKeys, verifyKeys, policy, value);
    }
}
