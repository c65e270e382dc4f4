package dev.flota.ota;

import dev.flota.ota.sim.SimulatedTarget;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import org.junit.jupiter.api.Test;

/** The ESP-style imperative calls, with the semantics of esp_https_ota's begin/perform/finish/abort. */
class EspHttpsOtaHandleTest {

    private static Device device() {
        return TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
    }

    @Test
    void beginDescriptorPerformFinish() {
        byte[] image = TestDevices.app("2.0");
        try (ByteServer server = new ByteServer(image)) {
            Device device = device();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(true)
                    .maxHttpRequestSize(8192).begin(SimulatedTarget.of(device));
            assertThat(ota.getImageSize()).isEqualTo(image.length);
            assertThat(ota.getStatusCode()).isEqualTo(206);
            assertThat(ota.getImgDesc().version()).isEqualTo("2.0");
            int steps = 0;
            while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                steps++;
            }
            assertThat(steps).isPositive();
            assertThat(ota.isCompleteDataReceived()).isTrue();
            assertThat(ota.getImageLenRead()).isEqualTo(image.length);
            assertThat(dev.flota.flash.ota.OtaOperations.on(device).getBootPartition().orElseThrow().label())
                    .as("not switched before finish").isEqualTo("factory");
            ota.finish();
            assertThat(ota.events()).last().isInstanceOf(OtaEvent.Finished.class);
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    @Test
    void abortAfterAllDataNeverSwitches() {
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            Device device = device();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true).begin(SimulatedTarget.of(device));
            while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                assertThat(ota.getImageLenRead()).isNotNegative();
            }
            ota.abort();
            assertThat(ota.events()).last().isInstanceOf(OtaEvent.Aborted.class);
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    void performReportsTheFailure() {
        try (ByteServer server = new ByteServer(TestImages.app(Chip.ESP32_C6, "c6", 500))) {
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true).begin(SimulatedTarget.of(device()));
            assertThatThrownBy(() -> {
                while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                    continue;
                }
            }).isInstanceOfSatisfying(OtaException.class,
                    e -> assertThat(e.error()).isEqualTo(OtaError.INVALID_VERSION));
        }
    }
}
