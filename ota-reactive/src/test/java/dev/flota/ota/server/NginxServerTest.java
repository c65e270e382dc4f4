package dev.flota.ota.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.ota.tls.SelfSignedCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.resources.ConnectionProvider;

/** Runs against a real nginx; skipped with a notice when nginx is not installed (CI installs it). */
class NginxServerTest {

    @TempDir
    Path dir;

    private final ConnectionProvider pool = ConnectionProvider.create("nginx-test", 1);

    @AfterEach
    void stop() {
        pool.disposeLater().block();
    }

    @Test
    void servesARangeOverTls() throws Exception {
        assumeTrue(NginxServer.available(), "nginx is not installed");
        SelfSignedCertificates certs = SelfSignedCertificates.generate();
        byte[] image = Http.image(dir, "app.bin", 200_000, 5);
        Path work;
        try (NginxServer.Running nginx = NginxServer.create().directory(dir).workers(1)
                .tls(certs.serverCertPem(), certs.serverKeyPem()).startNow()) {
            work = nginx.accessLog().getParent();
            assertThat(nginx.baseUrl()).isEqualTo("https://127.0.0.1:" + nginx.port() + "/");

            Http.Reply range = Http.get(Http.tls(pool, certs.caPem()), nginx.url("app.bin"), "Range",
                    "bytes=4096-8191");
            assertThat(range.status()).isEqualTo(206);
            assertThat(range.header("Content-Range")).isEqualTo("bytes 4096-8191/200000");
            assertThat(range.body()).isEqualTo(Arrays.copyOfRange(image, 4096, 8192));
            Http.Reply unsatisfiable = Http.get(Http.tls(pool, certs.caPem()), nginx.url("app.bin"), "Range",
                    "bytes=200000-");
            assertThat(unsatisfiable.status()).isEqualTo(416);
            assertThat(Files.readString(nginx.accessLog())).contains("\"GET /app.bin HTTP/1.1\" 206 4096");
        }
        assertThat(work).doesNotExist();
    }

    @Test
    void mutualTls() throws Exception {
        assumeTrue(NginxServer.available(), "nginx is not installed");
        SelfSignedCertificates certs = SelfSignedCertificates.generate();
        byte[] image = Http.image(dir, "app.bin", 1_000, 6);
        try (NginxServer.Running nginx = NginxServer.create().directory(dir).workers(1)
                .tls(certs.serverCertPem(), certs.serverKeyPem()).clientAuth(certs.caPem()).startNow()) {
            assertThat(Http.get(Http.tls(pool, certs.caPem()), nginx.url("app.bin")).status()).isEqualTo(400);
            Http.Reply reply = Http.get(Http.tls(pool, certs.caPem(), certs.clientCertPem(), certs.clientKeyPem()),
                    nginx.url("app.bin"));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.body()).isEqualTo(image);
        }
    }

    @Test
    void locatesTheBinary() {
        assertThat(NginxServer.binary().isPresent()).isEqualTo(NginxServer.available());
    }
}
