package dev.flota.ota;

import static dev.flota.flash.testing.SecureBootDevices.secureBoot;
import static dev.flota.flash.testing.SecureBootDevices.signed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashEncryptionConfig;
import dev.flota.flash.device.FlashEncryptionMode;
import dev.flota.flash.image.Chip;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.SecureBootDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Over HTTPS into a release-mode simulated device with Secure Boot V2 and flash encryption (issue 15 point 5): a
 * signed image, plain or pre-encrypted ({@code esp_encrypted_img}), is written as flash ciphertext, verified decrypted
 * by the device with its eFuse key digests (no key passed by the caller), and boots; one with a tampered signature is
 * refused and the old app keeps booting.
 */
class SecureFlashEncryptionUpdateTest {

    private static final KeyPair TRUSTED = TestKeys.rsa3072("a");
    private static final EccDecryptionKey DEVICE_KEY = DecryptionKey.fromHmacKey(new byte[32]);
    private static final byte[] SIGNED = signed(TestImages.app(Chip.ESP32_C3, "2.0", 3000), TRUSTED);

    @Test
    void aSignedImageIsWrittenAsCiphertextAndBoots() {
        Device device = device();
        Conformance.Outcome outcome = update(device, SIGNED, ota -> ota);
        outcome.assertSucceeded(device, "2.0");
        assertSlotHoldsCiphertext(device, SIGNED);
    }

    @Test
    void aSignedPreEncryptedImageIsDecryptedInRamThenWrittenAsFlashCiphertext() {
        byte[] preEncrypted = ImageEncryptor.encrypt(SIGNED, EncryptionKey.forDevice(DEVICE_KEY));
        Device device = device();
        Conformance.Outcome outcome = update(device, preEncrypted, ota -> ota.decryptionKey(DEVICE_KEY));
        assertThat(outcome.events()).anyMatch(e -> e instanceof OtaEvent.Decrypted);
        outcome.assertSucceeded(device, "2.0");
        assertSlotHoldsCiphertext(device, SIGNED);
    }

    @Test
    void aTamperedSignatureIsRefusedAndTheOldAppBoots() {
        byte[] tampered = SecureBootDevices.withBadSignature(SIGNED, 0);
        Conformance.Outcome plain = update(device(), tampered, ota -> ota);
        assertThat(plain.failure()).isNotNull();
        assertThat(plain.failure().error()).isEqualTo(OtaError.VALIDATE_FAILED);

        Device device = device();
        Conformance.Outcome preEncrypted = update(device, ImageEncryptor.encrypt(tampered,
                EncryptionKey.forDevice(DEVICE_KEY)), ota -> ota.decryptionKey(DEVICE_KEY));
        preEncrypted.assertFailed(device, OtaError.VALIDATE_FAILED);
    }

    private static Conformance.Outcome update(Device device, byte[] image, UnaryOperator<HttpsOta> options) {
        try (TlsServer https = TlsServer.serving(Conformance.TLS, image)) {
            return Conformance.update(device, options.apply(Conformance.client(https.url())));
        }
    }

    private static void assertSlotHoldsCiphertext(Device device, byte[] plaintext) {
        Partition slot = device.runningPartition().orElseThrow();
        assertThat(slot.label()).isEqualTo("ota_0");
        byte[] raw = device.flash().read(slot.offset(), plaintext.length);
        assertThat(Arrays.copyOf(raw, 64)).isNotEqualTo(Arrays.copyOf(plaintext, 64));
        assertThat(raw).isEqualTo(Arrays.copyOf(FlashEncryptionDevices.ciphertext(device, slot.offset(), plaintext),
                plaintext.length));
    }

    /** Flashed in plaintext with a signed 1.0; its first boot encrypted the flash in release mode. */
    private static Device device() {
        DeviceProperties properties = secureBoot(FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_C3),
                FlashEncryptionDevices.KEY_32, FlashEncryptionConfig.releaseMode()), TRUSTED);
        Device device = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS,
                signed(TestImages.app(Chip.ESP32_C3, "1.0", 1000), TRUSTED)), properties);
        assertThat(FlashEncryptionMode.of(device.properties().efuses())).isEqualTo(FlashEncryptionMode.RELEASE);
        assertThat(device.runningApp().orElseThrow().version()).isEqualTo("1.0");
        return device;
    }
}
