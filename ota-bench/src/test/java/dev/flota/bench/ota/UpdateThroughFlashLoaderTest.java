package dev.flota.bench.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.bench.LoaderProcess;
import dev.flota.flash.testing.Vectors;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's story on the command line, each step a command a user types: {@code flash create}, {@code flash loader}
 * in its own JVM, {@code update --port socket://...} of a real firmware, pre-encrypted, from nginx with partial
 * download, SIGTERM to the loader, then {@code flash boot} boots the new app from the file.
 */
class UpdateThroughFlashLoaderTest {

    @TempDir
    Path dir;

    @Test
    void aDeviceServedByFlashLoaderIsUpdatedOverItsLoaderAndBootsTheNewApp() throws Exception {
        assumeTrue(NginxServer.available(), "nginx is not installed: this end-to-end test is SKIPPED");
        SelfSignedCertificates tls = SelfSignedCertificates.generate();
        SelfSignedCertificates.PemFiles pems = tls.writeTo(dir.resolve("tls"));
        Path www = Files.createDirectories(dir.resolve("www"));
        Path flash = dir.resolve("device.bin");
        run(0, "flash", "create", flash.toString(), "--size", "4MB", "--chip", "esp32c3", "--chip-rev", "0.4",
                "--partitions", Vectors.file("partition_tables/pt_factory_ota2_4MB.csv").toString());
        run(0, "image", "encrypt", "--key", Vectors.file("encrypted/ecc256/device_pub_key.pem").toString(),
                Vectors.file("app_images/esp32c3_hello_world_idf4.4.bin").toString(),
                www.resolve("hello.enc.bin").toString());

        try (NginxServer.Running nginx = NginxServer.create().directory(www).tls(tls.serverCertPem(),
                tls.serverKeyPem()).startNow();
                LoaderProcess loader = LoaderProcess.start(flash)) {
            Cli update = run(0, "update", "--port", loader.socketUrl(), "--url", nginx.url("hello.enc.bin"),
                    "--ca", pems.ca().toString(), "--hmac-key",
                    Vectors.file("encrypted/ecc256/device_hmac_key.bin").toString(), "--partial-size", "16K",
                    "--json-events");
            assertThat(update.out()).contains("\"event\":\"ChipIdVerified\"", "\"label\":\"ota_0\"",
                    "\"event\":\"Finished\"");
            loader.stop();
        }

        JsonNode boot = run(0, "flash", "boot", flash.toString(), "--json").json();
        assertThat(boot.get("booted").asText()).isEqualTo("ota_0");
        JsonNode ota0 = run(0, "flash", "info", flash.toString(), "--json").json().get("apps").get(1);
        assertThat(ota0.get("label").asText()).isEqualTo("ota_0");
        assertThat(ota0.get("appDescription").get("projectName").asText()).isEqualTo("hello_world");
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
