package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.flash.device.Device;
import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.http.TlsVersion;
import dev.flota.ota.sim.SimulatedTarget;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Transport security against real TLS servers: redirects that would downgrade to plain HTTP, certificates for
 * another name (refused; or checked against {@code commonName}; or, on purpose, not checked), CA bundles across
 * redirects, and TLS versions. Each update either reaches the new app or leaves the old one booting.
 */
class TransportSecurityTest {

    private static final byte[] IMAGE = TestDevices.app("2.0");
    private static final SelfSignedCertificates LOCAL = SelfSignedCertificates.generate();
    private static final SelfSignedCertificates OTHER_CA = SelfSignedCertificates.generate();
    private static final SelfSignedCertificates OTHER_NAME = SelfSignedCertificates.forServerNames(
            List.of("fw.example.com"));

    @TempDir
    Path dir;

    @Test
    void aRedirectFromHttpsToHttpIsRefusedUnlessHttpIsAllowed() {
        try (ByteServer plain = new ByteServer(IMAGE);
                TlsServer secure = TlsServer.redirecting(LOCAL, plain.url())) {
            HttpsOta ota = HttpsOta.create().url(secure.url()).caPem(LOCAL.caPem());
            Device device = Conformance.device();
            assertThatThrownBy(() -> ota.update(SimulatedTarget.of(device)).blockLast(Duration.ofSeconds(30)))
                    .isInstanceOfSatisfying(OtaException.class, e -> {
                        assertThat(e.error()).isEqualTo(OtaError.HTTP_INSECURE_REDIRECT);
                        assertThat(e).hasMessageContaining("downgrade").hasMessageContaining(plain.url());
                    });
            assertThat(plain.requests.get()).as("nothing fetched in plain text").isZero();
            Conformance.assertUpdates(ota.allowHttp(true));
            assertThat(plain.requests.get()).isOne();
        }
    }

    @Test
    void aCertificateForAnotherNameIsRefusedByFlotasServerAndByNginx() throws Exception {
        Files.write(dir.resolve("app.bin"), IMAGE);
        try (TlsServer server = TlsServer.serving(OTHER_NAME, IMAGE)) {
            Conformance.assertRefused(HttpsOta.create().url(server.url()).caPem(OTHER_NAME.caPem()), OtaError.HTTP_CONNECT);
        }
        assumeTrue(NginxServer.available(), "nginx is not installed: its part of this test is SKIPPED");
        try (NginxServer.Running nginx = NginxServer.create().directory(dir)
                .tls(OTHER_NAME.serverCertPem(), OTHER_NAME.serverKeyPem()).startNow()) {
            Conformance.assertRefused(HttpsOta.create().url(nginx.url("app.bin")).caPem(OTHER_NAME.caPem()), OtaError.HTTP_CONNECT);
            Conformance.assertUpdates(HttpsOta.create().url(nginx.url("app.bin")).caPem(OTHER_NAME.caPem())
                    .commonName("fw.example.com").partialHttpDownload(true).maxHttpRequestSize(4096));
        }
    }

    @Test
    void commonNameReplacesTheUrlsHost() {
        try (TlsServer server = TlsServer.serving(OTHER_NAME, IMAGE)) {
            UnaryOperator<HttpsOta> base = o -> o.url(server.url()).caPem(OTHER_NAME.caPem());
            Conformance.assertUpdates(base.apply(HttpsOta.create()).commonName("fw.example.com"));
            Conformance.assertRefused(base.apply(HttpsOta.create()).commonName("other.example.com"), OtaError.HTTP_CONNECT);
        }
        try (TlsServer server = TlsServer.serving(LOCAL, IMAGE)) {
            Conformance.assertRefused(HttpsOta.create().url(server.url()).caPem(LOCAL.caPem()).commonName("fw.example.com"),
                    OtaError.HTTP_CONNECT);
        }
    }

    @Test
    void skippingTheNameCheckStillVerifiesTheChain() {
        try (TlsServer server = TlsServer.serving(OTHER_NAME, IMAGE)) {
            Conformance.assertUpdates(HttpsOta.create().url(server.url()).caPem(OTHER_NAME.caPem()).skipCommonNameCheck(true));
            Conformance.assertRefused(HttpsOta.create().url(server.url()).caPem(LOCAL.caPem()).skipCommonNameCheck(true),
                    OtaError.HTTP_CONNECT);
        }
    }

    @Test
    void aRedirectToAServerOfAnotherCaNeedsBothCasInTheBundle() {
        try (TlsServer target = TlsServer.serving(OTHER_CA, IMAGE);
                TlsServer first = TlsServer.redirecting(LOCAL, target.url())) {
            Conformance.assertRefused(HttpsOta.create().url(first.url()).caPem(LOCAL.caPem()), OtaError.HTTP_CONNECT);
            assertThat(target.requests.get()).isZero();
            Conformance.assertUpdates(HttpsOta.create().url(first.url()).caPem(LOCAL.caPem() + OTHER_CA.caPem()));
            assertThat(target.requests.get()).isOne();
        }
    }

    @Test
    void tls13CanBeRequiredAndNothingBelow12IsAccepted() {
        try (TlsServer tls12 = TlsServer.serving(LOCAL, IMAGE, "TLSv1.2")) {
            Conformance.assertUpdates(HttpsOta.create().url(tls12.url()).caPem(LOCAL.caPem()));
            Conformance.assertRefused(HttpsOta.create().url(tls12.url()).caPem(LOCAL.caPem()).minimumTlsVersion(TlsVersion.TLS_1_3),
                    OtaError.HTTP_CONNECT);
        }
        try (TlsServer tls13 = TlsServer.serving(LOCAL, IMAGE, "TLSv1.3")) {
            Conformance.assertUpdates(HttpsOta.create().url(tls13.url()).caPem(LOCAL.caPem()).minimumTlsVersion(TlsVersion.TLS_1_3));
        }
        try (TlsServer tls11 = TlsServer.serving(LOCAL, IMAGE, "TLSv1.1")) {
            Conformance.assertRefused(HttpsOta.create().url(tls11.url()).caPem(LOCAL.caPem()), OtaError.HTTP_CONNECT);
        }
    }
}
