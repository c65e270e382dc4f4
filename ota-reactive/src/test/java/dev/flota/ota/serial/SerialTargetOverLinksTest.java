package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LinkModel;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.loader.LoaderServer;
import dev.flota.flash.partition.Partition;
import dev.flota.ota.fixtures.SocatPty;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serial target over the real transports: TCP ({@code socket://}) to the simulated loader's server, RFC 2217
 * ({@code rfc2217://}) whose DTR/RTS reset the simulated chip, and a pseudo-terminal made by socat, bridged to that
 * server and opened with jSerialComm, as a USB serial adapter would be.
 */
class SerialTargetOverLinksTest {

    @TempDir
    static Path dir;
    private static ChipImages images;

    @BeforeAll
    static void serve() {
        images = ChipImages.serve(dir);
    }

    @AfterAll
    static void stop() {
        if (images != null) {
            images.close();
        }
    }

    @Test
    void anUpdateOverSocketBootsTheNewApp() {
        Device device = SerialTargetTest.device(Chip.ESP32_C3);
        try (LoaderServer server = LoaderServer.start(LoaderDevice.of(device))) {
            try (SerialTarget target = SerialTarget.port("socket://127.0.0.1:" + server.port()).baud(460800)
                    .connect()) {
                images.ota(Chip.ESP32_C3).update(target).blockLast();
                assertThat(target.bootPartition().map(Partition::label)).contains("ota_0");
            }
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void overRfc2217TheTargetResetsTheChipIntoDownloadModeAndAfterwardsIntoTheNewApp() {
        Device device = SerialTargetTest.device(Chip.ESP32_S3);
        LoaderDevice chip = LoaderDevice.of(device);
        chip.bootApp();
        try (LoaderServer server = LoaderServer.startRfc2217(chip, "127.0.0.1", 0, LinkModel.unlimited())) {
            try (SerialTarget target = SerialTarget.port("rfc2217://127.0.0.1:" + server.port()).baud(460800)
                    .sleeper(d -> { }).connect()) {
                assertThat(chip.personality()).as("ClassicReset entered the ROM loader")
                        .isEqualTo(LoaderDevice.Personality.ROM);
                images.ota(Chip.ESP32_S3).update(target).blockLast();
            }
            assertThat(chip.personality()).as("HardReset at close").isEqualTo(LoaderDevice.Personality.APP);
        }
        assertThat(device.runningApp().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void withoutTheResetTheAppRunsAndConnectingSaysSo() {
        LoaderDevice chip = LoaderDevice.of(SerialTargetTest.device(Chip.ESP32_C3));
        chip.bootApp();
        try (LoaderServer server = LoaderServer.startRfc2217(chip, "127.0.0.1", 0, LinkModel.unlimited())) {
            assertThatThrownBy(() -> SerialTarget.port("rfc2217://127.0.0.1:" + server.port()).resetBefore(false)
                    .timeouts(new LoaderTimeouts(Duration.ofMillis(100), Duration.ofMillis(5), Duration.ofMillis(100),
                            Duration.ofMillis(100), Duration.ofMillis(100), Duration.ofMillis(100)))
                    .connect()).isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                            .isEqualTo(LoaderException.Reason.NO_SYNC));
        }
    }

    @Test
    void anUpdateThroughASocatPtyOpenedWithJSerialCommBootsTheNewApp() {
        assumeTrue(SocatPty.available(), "socat is not installed: the serial pty update test is SKIPPED");
        Device device = SerialTargetTest.device(Chip.ESP32);
        try (LoaderServer server = LoaderServer.start(LoaderDevice.of(device));
                SocatPty pty = SocatPty.bridgeTo(server.port())) {
            try (SerialTarget target = SerialTarget.port(pty.path().toString()).stub(SerialTargetTest.SYNTHETIC_STUB)
                    .sleeper(d -> { }).connect()) {
                assertThat(target.chip()).isEqualTo(Chip.ESP32);
                images.ota(Chip.ESP32).update(target).blockLast();
                assertThat(target.bootPartition().map(Partition::label)).contains("ota_0");
            }
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }
}
