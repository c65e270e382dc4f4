package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import org.junit.jupiter.api.Test;

/**
 * An app whose {@code min/max_efuse_blk_rev_full} excludes the device's eFuse block revision is refused before
 * anything is erased (ESP-IDF writes it all and refuses it in {@code esp_ota_end}); the ESP32 has no such check.
 */
class EfuseBlockRevisionTest {

    @Test
    void anAppNeedingNewerEfuseBlocksIsRefusedBeforeAnyErase() {
        Device device = device(Chip.ESP32_C3, 0);
        assertRefusedUntouched(device, app(Chip.ESP32_C3, 100, 0), "image requires efuse blk rev >= v1.0, but chip "
                + "is v0.0");
    }

    @Test
    void anAppForOlderEfuseBlocksIsRefusedBeforeAnyErase() {
        Device device = device(Chip.ESP32_C3, 200);
        assertRefusedUntouched(device, app(Chip.ESP32_C3, 100, 199), "image requires efuse blk rev <= v1.99, but "
                + "chip is v2.0");
    }

    @Test
    void anAppWithinTheRangeOrOnAnEsp32IsAccepted() {
        Device inRange = device(Chip.ESP32_C3, 101);
        update(inRange, app(Chip.ESP32_C3, 100, 199)).assertSucceeded(inRange, "2.0");
        Device esp32 = device(Chip.ESP32, 0);
        update(esp32, app(Chip.ESP32, 100, 0)).assertSucceeded(esp32, "2.0");
    }

    private static void assertRefusedUntouched(Device device, byte[] image, String message) {
        long before = device.flash().stats().mutatingOperations();
        Conformance.Outcome outcome = update(device, image);
        assertThat(outcome.failure()).as("refused").isNotNull();
        assertThat(outcome.failure().error()).isEqualTo(OtaError.EFUSE_BLOCK_REVISION);
        assertThat(outcome.failure().error().espName()).as("what esp_ota_end returns for it")
                .isEqualTo("ESP_ERR_OTA_VALIDATE_FAILED");
        assertThat(outcome.failure().getMessage()).contains(message);
        assertThat(device.flash().stats().mutatingOperations()).as("nothing erased or written").isEqualTo(before);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
    }

    private static Conformance.Outcome update(Device device, byte[] image) {
        try (ByteServer server = new ByteServer(image)) {
            return Conformance.update(device, HttpsOta.create().url(server.url()).allowHttp(true));
        }
    }

    private static Device device(Chip chip, int efuseBlockRevision) {
        return Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestImages.app(chip, "1.0", 1000)),
                DeviceProperties.of(chip).withEfuseBlockRevision(efuseBlockRevision));
    }

    private static byte[] app(Chip chip, int minEfuseBlkRevFull, int maxEfuseBlkRevFull) {
        return TestImages.builder(chip, "2.0", 1000, app -> app.efuseBlockRevisions(minEfuseBlkRevFull,
                maxEfuseBlkRevFull)).build();
    }
}
