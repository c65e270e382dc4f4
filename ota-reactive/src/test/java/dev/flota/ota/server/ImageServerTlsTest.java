package dev.flota.ota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.fixtures.ServerFaults;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import javax.net.ssl.SSLException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.resources.ConnectionProvider;

class ImageServerTlsTest {

    private static SelfSignedCertificates certs;
    private static SelfSignedCertificates otherCa;

    @TempDir
    Path dir;

    private byte[] image;
    private RunningImageServer server;
    private final ConnectionProvider pool = ConnectionProvider.create("tls-test", 1);

    @BeforeAll
    static void certificates() {
        certs = SelfSignedCertificates.generate();
        otherCa = SelfSignedCertificates.generate();
    }

    @BeforeEach
    void image() throws Exception {
        image = Http.image(dir, "app.bin", 300_000, 4);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
        pool.disposeLater().block();
    }

    private ImageServer https() {
        return ImageServer.create().directory(dir).tls(certs.serverCertPem(), certs.serverKeyPem());
    }

    @Test
    void rangesOverTlsWithHostnameVerification() {
        server = https().bindNow();
        assertThat(server.baseUrl()).isEqualTo("https://127.0.0.1:" + server.port() + "/");

        Http.Reply whole = Http.get(Http.tls(pool, certs.caPem()), server.url("app.bin"));
        assertThat(whole.status()).isEqualTo(200);
        assertThat(whole.body()).isEqualTo(image);
        Http.Reply range = Http.get(Http.tls(pool, certs.caPem()), server.url("app.bin"), "Range",
                "bytes=65536-131071");
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(image, 65_536, 131_072));
        Http.Reply byName = Http.get(Http.tls(pool, certs.caPem()),
                "https://localhost:" + server.port() + "/app.bin", "Range", "bytes=0-9");
        assertThat(byName.body()).isEqualTo(Arrays.copyOf(image, 10));
    }

    @Test
    void untrustedCaIsRejected() {
        server = https().bindNow();

        Http.Reply reply = Http.get(Http.tls(pool, otherCa.caPem()), server.url("app.bin"));

        assertThat(reply.status()).isEqualTo(-1);
        assertThat(reply.error()).hasCauseInstanceOf(SSLException.class);
        assertThat(server.requests().count()).isZero();
    }

    @Test
    void mutualTls() {
        server = https().clientAuth(certs.caPem()).bindNow();

        Http.Reply anonymous = Http.get(Http.tls(pool, certs.caPem()), server.url("app.bin"));
        assertThat(anonymous.status()).isEqualTo(-1);
        assertThat(anonymous.error()).isNotNull();
        Http.Reply wrongClient = Http.get(Http.tls(pool, certs.caPem(), otherCa.clientCertPem(),
                otherCa.clientKeyPem()), server.url("app.bin"));
        assertThat(wrongClient.status()).isEqualTo(-1);

        Http.Reply authenticated = Http.get(Http.tls(pool, certs.caPem(), certs.clientCertPem(),
                certs.clientKeyPem()), server.url("app.bin"), "Range", "bytes=0-99");
        assertThat(authenticated.status()).isEqualTo(206);
        assertThat(authenticated.body()).isEqualTo(Arrays.copyOf(image, 100));
        assertThat(server.requests().count()).isEqualTo(1);
    }

    @Test
    void faultsOverTls() {
        server = https().handler(ServerFaults.inject(ServerFaults.none().closeOnceAfter(100_000).forPath("/app.bin"),
                ServerFaults.none().stallAfter(1_000))).bindNow();
        java.nio.file.Path other = dir.resolve("other.bin");
        org.assertj.core.api.Assertions.assertThatCode(() -> java.nio.file.Files.write(other, image))
                .doesNotThrowAnyException();

        Http.Reply cut = Http.get(Http.tls(pool, certs.caPem()), server.url("app.bin"));
        assertThat(cut.error()).isNotNull();
        assertThat(cut.body()).isEqualTo(Arrays.copyOf(image, 100_000));
        assertThat(Http.get(Http.tls(pool, certs.caPem()), server.url("app.bin")).body()).isEqualTo(image);
        Http.Reply stalled = Http.get(Http.tls(pool, certs.caPem()).responseTimeout(Duration.ofMillis(300)),
                server.url("other.bin"));
        assertThat(stalled.body()).isEqualTo(Arrays.copyOf(image, 1_000));
        assertThat(stalled.error()).isInstanceOf(io.netty.handler.timeout.ReadTimeoutException.class);
    }
}
