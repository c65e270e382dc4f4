package dev.flota.ota.serial;

import static dev.flota.flash.testing.EsptoolJsOperation.connect;
import static dev.flota.flash.testing.EsptoolJsOperation.readFlash;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.loader.LoaderServer;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.EsptoolJs;
import dev.flota.flash.testing.EsptoolJsResult;
import dev.flota.flash.testing.SyntheticApp;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Flota's serial target updates a simulated chip over TCP from a real nginx over HTTPS (Flota's own image server
 * where nginx is not installed), with Espressif's stub as esptool-js installed it; then esptool-js 0.7.0, a client
 * nobody here wrote, connects to the same chip and reads the updated slot back byte for byte, and the simulated
 * bootloader boots the new app. Skipped with a notice where esptool-js is missing.
 */
class EsptoolJsReadsBackTest {

    @TempDir
    static Path dir;
    private static SelfSignedCertificates tls;
    private static AutoCloseable server;
    private static String baseUrl;

    @BeforeAll
    static void serve() throws Exception {
        for (Chip chip : List.of(Chip.ESP32, Chip.ESP32_C3)) {
            Files.write(dir.resolve(chip.esptoolName() + ".bin"), image(chip));
        }
        tls = SelfSignedCertificates.generate();
        if (NginxServer.available()) {
            NginxServer.Running nginx = NginxServer.create().directory(dir)
                    .tls(tls.serverCertPem(), tls.serverKeyPem()).startNow();
            server = nginx;
            baseUrl = nginx.url("");
        } else {
            RunningImageServer flota = ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                    .tls(tls.serverCertPem(), tls.serverKeyPem()).bindNow();
            server = flota;
            baseUrl = flota.url("");
        }
    }

    @AfterAll
    static void stop() throws Exception {
        if (server != null) {
            server.close();
        }
    }

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_C3"})
    void esptoolJsReadsBackWhatFlotaWroteAndTheNewAppBoots(Chip chip) throws Exception {
        EsptoolJs esptool = EsptoolJs.require();
        StubImage stub = StubImage.read(stubJson(chip));
        byte[] image = image(chip);
        Device device = SerialTargetTest.device(chip);
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        Path back = dir.resolve(chip.esptoolName() + "-back.bin");

        EsptoolJsResult result;
        try (LoaderServer served = LoaderServer.start(LoaderDevice.of(device))) {
            try (SerialTarget target = SerialTarget.port("socket://127.0.0.1:" + served.port()).stub(stub)
                    .baud(921600).connect()) {
                assertThat(target.usesStub()).isTrue();
                HttpsOta.create().url(baseUrl + chip.esptoolName() + ".bin").caPem(tls.caPem())
                        .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(60))
                        .update(target).blockLast();
                assertThat(target.bootPartition()).contains(ota0);
            }
            result = esptool.run("127.0.0.1", served.port(),
                    List.of(connect(), readFlash(ota0.offset(), image.length, back))).orThrow();
        }

        assertThat(result.step("connect").text("chip")).isEqualTo(chip.displayName());
        assertThat(result.step("connect").flag("stubWasRunning")).as("Flota's stub still runs").isTrue();
        byte[] read = Files.readAllBytes(back);
        assertThat(read).hasSize(image.length);
        assertThat(Arrays.mismatch(read, image)).as("first byte esptool-js read back differently").isEqualTo(-1);
        BootResult boot = device.reboot();
        assertThat(boot.bootedLabel()).isEqualTo("ota_0");
        assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    /** esptool-js's stub for the chip, from the user's install (never from this repository). */
    static Path stubJson(Chip chip) {
        return EsptoolJs.installDirectory().resolve("node_modules/esptool-js/lib/targets/stub_flasher")
                .resolve(chip.esptoolName() + ".json");
    }

    /** About 100 KiB that deflates like firmware: one stub segment, many 16 KiB blocks. */
    private static byte[] image(Chip chip) {
        return SyntheticApp.of("2.0").chip(chip).compressible().build(100_000);
    }
}
