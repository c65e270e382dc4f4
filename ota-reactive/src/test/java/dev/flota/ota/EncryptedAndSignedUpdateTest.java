package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.secureboot.ImageSigner;
import dev.flota.flash.secureboot.SecureBootSigner;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestKeys;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.sim.SimulatedTarget;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Pre-encrypted and signed images through the whole pipeline, with partial download. */
class EncryptedAndSignedUpdateTest {

    private static Device device() {
        return TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
    }

    @Test
    void signedAndEncryptedImageUpdatesWithPartialDownload() {
        SecureBootSigner signer = SecureBootSigner.from(TestKeys.ec("P-256", "ota").getPrivate());
        byte[] signed = ImageSigner.sign(TestDevices.app("2.0"), List.of(signer));
        EccDecryptionKey deviceKey = DecryptionKey.fromHmacKey(new byte[32]);
        byte[] encrypted = ImageEncryptor.encrypt(signed, EncryptionKey.forDevice(deviceKey));
        try (ByteServer server = new ByteServer(encrypted)) {
            Device device = device();
            List<OtaEvent> events = HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(true)
                    .maxHttpRequestSize(4096).decryptionKey(deviceKey).verifyKeys(List.of(signer.publicKey()))
                    .update(SimulatedTarget.of(device)).collectList().block(Duration.ofSeconds(30));
            assertThat(events).anyMatch(e -> e instanceof OtaEvent.Decrypted);
            assertThat(events).last().isInstanceOfSatisfying(OtaEvent.Finished.class,
                    f -> assertThat(f.imageSize()).isEqualTo(signed.length));
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    @Test
    void tamperedCiphertextNeverSwitches() {
        EccDecryptionKey deviceKey = DecryptionKey.fromHmacKey(new byte[32]);
        byte[] encrypted = ImageEncryptor.encrypt(TestDevices.app("2.0"), EncryptionKey.forDevice(deviceKey));
        encrypted[encrypted.length - 100] ^= 1;
        try (ByteServer server = new ByteServer(encrypted)) {
            Device device = device();
            assertThatThrownBy(() -> HttpsOta.create().url(server.url()).allowHttp(true).decryptionKey(deviceKey)
                    .update(SimulatedTarget.of(device)).blockLast(Duration.ofSeconds(30))).isInstanceOfSatisfying(OtaException.class,
                            e -> assertThat(e.error()).isEqualTo(OtaError.DECRYPT_FAILED));
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    void unsignedOrWronglySignedImageIsRefused() {
        SecureBootSigner trusted = SecureBootSigner.from(TestKeys.ec("P-256", "ota").getPrivate());
        SecureBootSigner other = SecureBootSigner.from(TestKeys.ec("P-256", "other").getPrivate());
        for (byte[] image : List.of(TestDevices.app("2.0"),
                ImageSigner.sign(TestDevices.app("2.0"), List.of(other)))) {
            try (ByteServer server = new ByteServer(image)) {
                Device device = device();
                assertThatThrownBy(() -> HttpsOta.create().url(server.url()).allowHttp(true)
                        .verifyKeys(List.of(trusted.publicKey())).update(SimulatedTarget.of(device)).blockLast(Duration.ofSeconds(30)))
                        .isInstanceOfSatisfying(OtaException.class,
                                e -> assertThat(e.error()).isEqualTo(OtaError.VALIDATE_FAILED));
                assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
            }
        }
    }
}
