package dev.flota.bench.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.testing.Vectors;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code update} end to end: a real firmware, pre-encrypted, from nginx over HTTPS, into a device on disk. */
class UpdateCommandTest {

    @TempDir
    Path dir;

    @Test
    void realFirmwarePreEncryptedFromNginxWithPartialDownload() throws Exception {
        assumeTrue(NginxServer.available(), "nginx is not installed: this end-to-end test is SKIPPED");
        SelfSignedCertificates tls = SelfSignedCertificates.generate();
        SelfSignedCertificates.PemFiles pems = tls.writeTo(dir.resolve("tls"));
        Path www = Files.createDirectories(dir.resolve("www"));
        Path flash = dir.resolve("device.bin");
        run(0, "flash", "create", flash.toString(), "--size", "4MB", "--chip", "esp32c3", "--partitions",
                Vectors.file("partition_tables/pt_factory_ota2_4MB.csv").toString());
        run(0, "image", "encrypt", "--key", Vectors.file("encrypted/ecc256/device_pub_key.pem").toString(),
                Vectors.file("app_images/esp32c3_hello_world_idf4.4.bin").toString(),
                www.resolve("hello.enc.bin").toString());
        try (NginxServer.Running nginx = NginxServer.create().directory(www).tls(tls.serverCertPem(),
                tls.serverKeyPem()).startNow()) {
            Cli update = run(0, "update", "--flash", flash.toString(), "--url", nginx.url("hello.enc.bin"),
                    "--ca", pems.ca().toString(), "--hmac-key",
                    Vectors.file("encrypted/ecc256/device_hmac_key.bin").toString(), "--partial-size", "4K",
                    "--json-events", "--metrics");
            assertThat(update.out()).contains("\"event\":\"BootPartitionUpdated\"", "\"event\":\"Finished\"",
                    "flota.ota.http.requests method=GET count=" + (211008 + 512 + 4095) / 4096);
        }
        JsonNode boot = run(0, "flash", "boot", flash.toString(), "--json").json();
        assertThat(boot.get("booted").asText()).isEqualTo("ota_0");
        JsonNode info = run(0, "flash", "info", flash.toString(), "--json").json();
        JsonNode ota0 = info.get("apps").get(1);
        assertThat(ota0.get("label").asText()).isEqualTo("ota_0");
        assertThat(ota0.get("appDescription").get("projectName").asText()).isEqualTo("hello_world");
        assertThat(ota0.get("appDescription").get("version").asText()).isEqualTo("v4.4-dirty");
    }

    @Test
    void refusedUpdateExitsOneWithTheEspNameAndChangesNothing() throws Exception {
        SelfSignedCertificates tls = SelfSignedCertificates.generate();
        Path ca = tls.writeTo(dir.resolve("tls")).ca();
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.copy(Vectors.file("app_images/esp32s2_blink_idf5.0.bin"), www.resolve("s2.bin"));
        Path flash = dir.resolve("device.bin");
        run(0, "flash", "create", flash.toString(), "--size", "4MB", "--chip", "esp32c3", "--partitions",
                Vectors.file("partition_tables/pt_factory_ota2_4MB.csv").toString());
        byte[] before = Files.readAllBytes(flash);
        try (RunningImageServer server = ImageServer.create().directory(www).tls(tls.serverCertPem(),
                tls.serverKeyPem()).bindNow()) {
            Cli refused = run(1, "update", "--flash", flash.toString(), "--url", server.url("s2.bin"), "--ca",
                    ca.toString());
            assertThat(refused.err()).contains("ESP_ERR_INVALID_VERSION");
            assertThat(refused.out()).contains("Aborted");
            assertThat(run(2, "update", "--flash", flash.toString(), "--url", server.url("s2.bin"), "--deadline",
                    "soon").err()).contains("not a duration");
        }
        assertThat(Files.readAllBytes(flash)).isEqualTo(before);
    }

    @Test
    void transportOptions() throws Exception {
        SelfSignedCertificates other = SelfSignedCertificates.forServerNames(java.util.List.of("fw.example.com"));
        Path ca = other.writeTo(dir.resolve("tls")).ca();
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.copy(Vectors.file("app_images/esp32c3_hello_world_idf4.4.bin"), www.resolve("hello.bin"));
        Path flash = dir.resolve("device.bin");
        run(0, "flash", "create", flash.toString(), "--size", "4MB", "--chip", "esp32c3", "--partitions",
                Vectors.file("partition_tables/pt_factory_ota2_4MB.csv").toString());
        try (RunningImageServer server = ImageServer.create().directory(www).tls(other.serverCertPem(),
                other.serverKeyPem()).handler(ServerFaults.inject(ServerFaults.none().basicAuth("fleet", "pw")))
                .bindNow()) {
            String url = server.url("hello.bin");
            assertThat(run(1, "update", "--flash", flash.toString(), "--url", url, "--ca", ca.toString(),
                    "--user", "fleet:pw").err()).as("a certificate for fw.example.com at 127.0.0.1")
                    .contains("ESP_ERR_HTTP_CONNECT");
            assertThat(run(1, "update", "--flash", flash.toString(), "--url", url, "--ca", ca.toString(),
                    "--common-name", "fw.example.com").err()).contains("HTTP_UNAUTHORIZED");
            run(0, "update", "--flash", flash.toString(), "--url", url, "--ca", ca.toString(), "--common-name",
                    "fw.example.com", "--user", "fleet:pw", "--min-tls", "1.2");
            assertThat(run(0, "update", "--flash", flash.toString(), "--url", url.replace("://", "://fleet:pw@"),
                    "--ca", ca.toString(), "--skip-common-name-check").err()).contains("warning");
            assertThat(run(2, "update", "--flash", flash.toString(), "--url", url, "--min-tls", "1.1").err())
                    .contains("--min-tls");
            assertThat(run(2, "update", "--flash", flash.toString(), "--url", url, "--user", "nobody").err())
                    .contains("USER:PASSWORD");
        }
    }

    @Test
    void resumeContinuesAnUpdateThatRanOutOfTime() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Path image = Vectors.file("app_images/esp32c3_hello_world_idf4.4.bin");
        Files.copy(image, www.resolve("hello.bin"));
        Path flash = dir.resolve("device.bin");
        run(0, "flash", "create", flash.toString(), "--size", "4MB", "--chip", "esp32c3", "--partitions",
                Vectors.file("partition_tables/pt_factory_ota2_4MB.csv").toString());
        try (RunningImageServer stalling = ImageServer.create().directory(www).host("127.0.0.1").port(0)
                .handler(ServerFaults.inject(ServerFaults.none().stallAfter(100_000))).bindNow();
                RunningImageServer server = ImageServer.create().directory(www).host("127.0.0.1").port(0)
                        .bindNow()) {
            Cli cut = run(1, "update", "--flash", flash.toString(), "--url", stalling.url("hello.bin"), "--allow-http",
                    "--resume", "--resume-interval", "4K", "--deadline", "3s");
            assertThat(cut.err()).contains("ESP_ERR_TIMEOUT");
            Cli resumed = run(0, "update", "--flash", flash.toString(), "--url", server.url("hello.bin"),
                    "--allow-http", "--resume", "--json-events");
            assertThat(resumed.out()).contains("{\"event\":\"Resumed\",\"offset\":98304,\"fetchOffset\":98304}",
                    "\"event\":\"Finished\"");
            assertThat(server.requests().bodyBytes()).isEqualTo(Files.size(image) - 98_304);
        }
        assertThat(run(0, "flash", "boot", flash.toString(), "--json").json().get("booted").asText())
                .isEqualTo("ota_0");
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
