package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * {@code CONFIG_ESP_HTTPS_OTA_VERIFY_SPI_MODE}: an app whose descriptor records another SPI flash mode than the running
 * app's is refused before anything is erased, unless either records none (0) or the check is turned off.
 */
class SpiFlashModeTest {

    private static final int QIO = 1;
    private static final int DIO = 3;

    @Test
    void anAppBuiltForAnotherFlashModeIsRefusedBeforeAnyErase() {
        Device device = runningApp(DIO);
        long before = device.flash().stats().mutatingOperations();
        Conformance.Outcome outcome = update(device, app("2.0", QIO), o -> o);
        assertThat(outcome.failure()).as("refused").isNotNull();
        assertThat(outcome.failure().error()).isEqualTo(OtaError.SPI_MODE_MISMATCH);
        assertThat(outcome.failure().error().espName()).isEqualTo("ESP_ERR_OTA_SPI_MODE_MISMATCH");
        assertThat(outcome.failure().error().espCode()).isEqualTo(0x1508).isEqualTo(
                EspError.ESP_ERR_OTA_SPI_MODE_MISMATCH.code());
        assertThat(outcome.failure().getMessage()).contains("running app has mode 3 (DIO), new app has mode 1 (QIO)");
        assertThat(device.flash().stats().mutatingOperations()).as("nothing erased or written").isEqualTo(before);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
    }

    @Test
    void theSameModeOrAnImageThatRecordsNoneIsAccepted() {
        int[][] runningAndNew = {{DIO, DIO}, {DIO, 0}, {0, QIO}};
        for (int[] modes : runningAndNew) {
            Device device = runningApp(modes[0]);
            update(device, app("2.0", modes[1]), o -> o).assertSucceeded(device, "2.0");
        }
    }

    @Test
    void theCheckCanBeTurnedOff() {
        assertThat(HttpsOta.create().configuration().image().verifySpiMode()).as("on by default, as in ESP-IDF")
                .isTrue();
        Device device = runningApp(DIO);
        update(device, app("2.0", QIO), o -> o.verifySpiMode(false)).assertSucceeded(device, "2.0");
    }

    private static Conformance.Outcome update(Device device, byte[] image, UnaryOperator<HttpsOta> options) {
        try (ByteServer server = new ByteServer(image)) {
            return Conformance.update(device, options.apply(HttpsOta.create().url(server.url()).allowHttp(true)));
        }
    }

    private static Device runningApp(int spiFlashMode) {
        Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, app("1.0", spiFlashMode)),
                false);
        assertThat(device.runningApp().orElseThrow().spiFlashMode()).isEqualTo(spiFlashMode);
        return device;
    }

    private static byte[] app(String version, int spiFlashMode) {
        return TestImages.builder(Chip.ESP32_C3, version, 1000, app -> app.spiFlashMode(spiFlashMode)).build();
    }
}
