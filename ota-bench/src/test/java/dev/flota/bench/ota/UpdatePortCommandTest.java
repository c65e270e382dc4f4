package dev.flota.bench.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.bench.Cli;
import dev.flota.flash.device.Device;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.loader.LoaderServer;
import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code update --port}: a chip behind its serial loader (the simulated one, over socket://) updated end to end. */
class UpdatePortCommandTest {

    @TempDir
    Path dir;

    @Test
    void updatesAChipOverItsLoaderAndExitsZeroOnlyWhenItsOtadataNamesTheNewSlot() throws Exception {
        Files.write(dir.resolve("app.bin"), TestDevices.app("2.0"));
        Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")),
                false);
        try (LoaderServer loader = LoaderServer.start(LoaderDevice.of(device));
                RunningImageServer server = ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                        .bindNow()) {
            Cli update = run(0, "update", "--port", "socket://127.0.0.1:" + loader.port(), "--url",
                    server.url("app.bin"), "--allow-http", "--baud", "460800", "--json-events");
            assertThat(update.out()).contains("\"event\":\"BootPartitionUpdated\"", "\"label\":\"ota_0\"",
                    "\"event\":\"Finished\"");
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void aChipThatIsNotThereExitsOneAndWrongOptionsTwo() throws Exception {
        Files.writeString(dir.resolve("stub.json"), "{\"text\": 1}");
        assertThat(run(1, "update", "--port", "socket://127.0.0.1:1", "--url", "http://127.0.0.1:1/app.bin",
                "--allow-http").err()).contains("ESP_ERR_FLASH_OP_FAIL", "cannot open socket://127.0.0.1:1");
        assertThat(run(2, "update", "--port", "socket://127.0.0.1:1", "--url", "http://127.0.0.1:1/app.bin",
                "--stub", dir.resolve("stub.json").toString()).err()).contains("--stub", "not a stub loader JSON");
        assertThat(run(2, "update", "--flash", dir.resolve("device.bin").toString(), "--url",
                "http://127.0.0.1:1/app.bin", "--baud", "921600").err()).contains("go with --port");
        assertThat(run(2, "update", "--url", "http://127.0.0.1:1/app.bin").err()).contains("--flash", "--port");
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
