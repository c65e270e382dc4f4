package dev.flota.ota;

import static dev.flota.flash.testing.SecureBootDevices.secureBoot;
import static dev.flota.flash.testing.SecureBootDevices.signed;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;

/**
 * An update over HTTP into a simulated device with Secure Boot V2 on: the device itself refuses an image no trusted
 * eFuse key signed ({@code esp_ota_end} fails with {@code ESP_ERR_OTA_VALIDATE_FAILED}), without the caller passing
 * any key, and the old app keeps booting; a signed one goes through.
 */
class SecureBootUpdateTest {

    private static final KeyPair TRUSTED = TestKeys.rsa3072("a");
    private static final KeyPair UNTRUSTED = TestKeys.rsa3072("untrusted");

    @Test
    void anUnsignedOrUntrustedImageFailsAndTheOldAppBoots() {
        for (byte[] image : new byte[][] {TestImages.app(Chip.ESP32_C3, "2.0", 3000),
                signed(TestImages.app(Chip.ESP32_C3, "2.0", 3000), UNTRUSTED)}) {
            Device device = device();
            Conformance.Outcome outcome = update(device, image);
            assertThat(outcome.failure()).as("refused").isNotNull();
            assertThat(outcome.failure().error()).isEqualTo(OtaError.VALIDATE_FAILED);
            assertThat(outcome.failure().getMessage()).contains("SIGNATURE_");
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
        }
    }

    @Test
    void aSignedImageGoesThrough() {
        Device device = device();
        update(device, signed(TestImages.app(Chip.ESP32_C3, "2.0", 3000), TRUSTED)).assertSucceeded(device, "2.0");
    }

    private static Conformance.Outcome update(Device device, byte[] image) {
        try (ByteServer server = new ByteServer(image)) {
            return Conformance.update(device, HttpsOta.create().url(server.url()).allowHttp(true));
        }
    }

    private static Device device() {
        return Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed(TestImages.app(Chip.ESP32_C3,
                "1.0", 1000), TRUSTED)), secureBoot(DeviceProperties.of(Chip.ESP32_C3), TRUSTED));
    }
}
