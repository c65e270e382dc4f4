package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.fixtures.Lighttpd;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.fixtures.Tinyproxy;
import dev.flota.ota.sim.SimulatedTarget;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against real servers from apt: through tinyproxy (CONNECT tunnels, explicit or from the JVM's proxy properties),
 * and with Digest credentials against lighttpd's mod_auth. {@code .ci/run} installs both; without them the tests are
 * skipped with a notice, and CI fails on skipped tests.
 */
class ProxyAndDigestTest {

    private static final byte[] IMAGE = TestImages.app(Chip.ESP32_C3, "2.0", 30_000);
    private static final SelfSignedCertificates TLS = SelfSignedCertificates.generate();

    @TempDir
    Path dir;

    @Test
    void anExplicitProxyTunnelsHttpsAndHttp() {
        assumeTrue(Tinyproxy.available(), "tinyproxy is not installed: the proxy tests are SKIPPED");
        try (Tinyproxy proxy = Tinyproxy.start(); TlsServer https = TlsServer.serving(TLS, IMAGE);
                ByteServer http = new ByteServer(IMAGE)) {
            Conformance.assertUpdates(HttpsOta.create().url(https.url()).caPem(TLS.caPem()).proxy(proxy.url()));
            Conformance.assertUpdates(HttpsOta.create().url(http.url()).allowHttp(true).partialHttpDownload(true)
                    .maxHttpRequestSize(8192).proxy(proxy.url()));
            String httpsTarget = https.url().replaceAll("https://([^/]+)/.*", "$1");
            String httpTarget = http.url().replaceAll("http://([^/]+)/.*", "$1");
            assertThat(proxy.connects()).contains(httpsTarget, httpTarget);
        }
    }

    @Test
    void theJvmProxyPropertiesAreHonoured() {
        assumeTrue(Tinyproxy.available(), "tinyproxy is not installed: the proxy tests are SKIPPED");
        Properties saved = (Properties) System.getProperties().clone();
        try (Tinyproxy proxy = Tinyproxy.start(); TlsServer https = TlsServer.serving(TLS, IMAGE)) {
            System.getProperties().putAll(Map.of("https.proxyHost", "127.0.0.1",
                    "https.proxyPort", Integer.toString(proxy.port()), "http.nonProxyHosts", "nothing.invalid"));
            Conformance.assertUpdates(HttpsOta.create().url(https.url()).caPem(TLS.caPem()));
            assertThat(proxy.connects()).containsExactly(https.url().replaceAll("https://([^/]+)/.*", "$1"));
        } finally {
            System.setProperties(saved);
        }
    }

    @Test
    void aDeadProxyFailsTheUpdateInsteadOfGoingDirect() throws Exception {
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            closedPort = socket.getLocalPort();
        }
        try (TlsServer https = TlsServer.serving(TLS, IMAGE)) {
            Device device = Conformance.device();
            assertThatThrownBy(() -> HttpsOta.create().url(https.url()).caPem(TLS.caPem())
                    .proxy("http://127.0.0.1:" + closedPort).update(SimulatedTarget.of(device))
                    .blockLast(Duration.ofSeconds(30))).isInstanceOfSatisfying(OtaException.class,
                            e -> assertThat(e.error()).isEqualTo(OtaError.HTTP_CONNECT));
            assertThat(https.requests.get()).isZero();
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    void digestCredentialsAgainstLighttpd() throws Exception {
        assumeTrue(Lighttpd.available(), "lighttpd is not installed: the Digest tests are SKIPPED");
        Files.write(dir.resolve("app.bin"), IMAGE);
        try (Lighttpd server = Lighttpd.digest(dir, "fleet", "s3cret")) {
            SimpleMeterRegistry whole = new SimpleMeterRegistry();
            Conformance.assertUpdates(HttpsOta.create().url(server.url("app.bin")).allowHttp(true)
                    .credentials("fleet", "s3cret", 3).meterRegistry(whole));
            SimpleMeterRegistry partial = new SimpleMeterRegistry();
            Conformance.assertUpdates(HttpsOta.create().url(server.url("app.bin").replace("://", "://fleet:s3cret@"))
                    .allowHttp(true).partialHttpDownload(true).maxHttpRequestSize(4096).meterRegistry(partial));
            for (SimpleMeterRegistry registry : List.of(whole, partial)) {
                assertThat(registry.get("flota.ota.http.responses").tag("status", "401").counter().count())
                        .as("one challenge per update, not one per range").isEqualTo(1);
            }
            assertThat(partial.get("flota.ota.http.responses").tag("status", "206").counter().count())
                    .isEqualTo((IMAGE.length + 4095) / 4096);

            Device device = Conformance.device();
            assertThatThrownBy(() -> HttpsOta.create().url(server.url("app.bin")).allowHttp(true)
                    .credentials("fleet", "wrong", 2).update(SimulatedTarget.of(device))
                    .blockLast(Duration.ofSeconds(30))).isInstanceOfSatisfying(OtaException.class,
                            e -> assertThat(e.error()).isEqualTo(OtaError.HTTP_UNAUTHORIZED));
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }
}
