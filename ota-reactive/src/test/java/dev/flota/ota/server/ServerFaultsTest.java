package dev.flota.ota.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

class ServerFaultsTest {

    @TempDir
    Path dir;

    private byte[] image;
    private RunningImageServer server;
    private final ConnectionProvider pool = ConnectionProvider.create("faults-test", 1);
    private final HttpClient client = Http.plain(pool);

    @BeforeEach
    void image() throws Exception {
        image = Http.image(dir, "app.bin", 70_000, 2);
        Http.image(dir, "other.bin", 1_000, 3);
    }

    @AfterEach
    void stop() {
        if (server != null) {
            server.disposeNow();
        }
        pool.disposeLater().block();
    }

    private RunningImageServer start(ServerFaults... faults) {
        server = ImageServer.create().directory(dir).handler(ServerFaults.inject(faults)).bindNow();
        return server;
    }

    @Test
    void redirectChainEndsAtTheFile() {
        start(ServerFaults.none().redirects(3, 301));

        Http.Reply first = Http.get(client, server.url("app.bin"));
        assertThat(first.status()).isEqualTo(301);
        assertThat(first.header("Location")).isEqualTo(server.url("app.bin") + "?flota-hop=1");

        Http.Reply followed = Http.get(client.followRedirect(true), server.url("app.bin"));
        assertThat(followed.status()).isEqualTo(200);
        assertThat(followed.body()).isEqualTo(image);
        assertThat(server.requests().all()).extracting(ServedRequest::status)
                .containsExactly(301, 301, 301, 301, 200);
    }

    @Test
    void everyRedirectStatus() {
        for (int status : new int[] {301, 302, 303, 307, 308}) {
            start(ServerFaults.none().redirects(1, status));
            assertThat(Http.get(client, server.url("app.bin")).status()).isEqualTo(status);
            assertThat(Http.get(client, server.url("app.bin?flota-hop=1"), "Range", "bytes=0-9").status())
                    .isEqualTo(206);
            server.disposeNow();
        }
        assertThatThrownBy(() -> ServerFaults.none().redirects(1, 300)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void basicAuth() {
        start(ServerFaults.none().basicAuth("ota", "s3cret"));

        Http.Reply anonymous = Http.get(client, server.url("app.bin"));
        assertThat(anonymous.status()).isEqualTo(401);
        assertThat(anonymous.header("WWW-Authenticate")).startsWith("Basic realm=\"flota\"");
        assertThat(Http.get(client, server.url("app.bin"), "Authorization", basic("ota:wrong")).status())
                .isEqualTo(401);
        Http.Reply authorized = Http.get(client, server.url("app.bin"), "Authorization", basic("ota:s3cret"));
        assertThat(authorized.status()).isEqualTo(200);
        assertThat(authorized.body()).isEqualTo(image);
    }

    @Test
    void fixedStatusForOnePath() {
        start(ServerFaults.none().status(503).forPath("/app.bin"), ServerFaults.none().status(404).forPath("x"));

        assertThat(Http.get(client, server.url("app.bin")).status()).isEqualTo(503);
        assertThat(Http.get(client, server.url("x")).status()).isEqualTo(404);
        assertThat(Http.get(client, server.url("other.bin")).status()).isEqualTo(200);
        start(ServerFaults.none().status(500));
        assertThat(Http.get(client, server.url("other.bin")).status()).isEqualTo(500);
    }

    @Test
    void lyingServerAnswersRangesWithTheWholeFile() {
        start(ServerFaults.none().ignoreRanges());

        Http.Reply reply = Http.get(client, server.url("app.bin"), "Range", "bytes=4096-8191");

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Range")).isNull();
        assertThat(reply.header("Accept-Ranges")).isNull();
        assertThat(reply.body()).isEqualTo(image);
    }

    @Test
    void closeAfterBytesEveryTime() {
        start(ServerFaults.none().closeAfter(10_000));

        for (int i = 0; i < 2; i++) {
            Http.Reply reply = Http.get(client, server.url("app.bin"));
            assertThat(reply.status()).isEqualTo(200);
            assertThat(reply.header("Content-Length")).isEqualTo("70000");
            assertThat(reply.body()).isEqualTo(Arrays.copyOf(image, 10_000));
            assertThat(reply.error()).isNotNull();
        }
        Http.Reply shortRange = Http.get(client, server.url("app.bin"), "Range", "bytes=0-99");
        assertThat(shortRange.error()).isNull();
        assertThat(server.requests().all()).extracting(ServedRequest::bodyBytes)
                .containsExactly(10_000L, 10_000L, 100L);
    }

    @Test
    void closeOnceThenResumeWithRange() {
        start(ServerFaults.none().closeOnceAfter(20_000).forPath("/app.bin"));

        Http.Reply cut = Http.get(client, server.url("app.bin"));
        assertThat(cut.error()).isNotNull();
        assertThat(cut.body()).isEqualTo(Arrays.copyOf(image, 20_000));
        Http.Reply rest = Http.get(client, server.url("app.bin"), "Range", "bytes=20000-", "If-Range",
                cut.header("ETag"));
        assertThat(rest.error()).isNull();
        assertThat(rest.status()).isEqualTo(206);
        assertThat(rest.body()).isEqualTo(Arrays.copyOfRange(image, 20_000, 70_000));
        assertThat(server.requests().connections()).isEqualTo(2);
    }

    @Test
    void stallAfterBytesKeepsTheConnectionOpen() {
        start(ServerFaults.none().stallAfter(5_000));

        Http.Reply reply = Http.get(client.responseTimeout(Duration.ofMillis(300)), server.url("app.bin"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(Arrays.copyOf(image, 5_000));
        assertThat(reply.error()).isInstanceOf(io.netty.handler.timeout.ReadTimeoutException.class);
        assertThat(server.requests().all()).singleElement().extracting(ServedRequest::bodyBytes).isEqualTo(5_000L);
    }

    @Test
    void chunkedTransferEncoding() {
        start(ServerFaults.none().chunked());

        Http.Reply whole = Http.get(client, server.url("app.bin"));
        assertThat(whole.header("Transfer-Encoding")).isEqualTo("chunked");
        assertThat(whole.header("Content-Length")).isNull();
        assertThat(whole.body()).isEqualTo(image);
        Http.Reply range = Http.get(client, server.url("app.bin"), "Range", "bytes=100-199");
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOfRange(image, 100, 200));
        assertThat(server.requests().connections()).isEqualTo(1);
    }

    @Test
    void closeDelimitedBody() throws Exception {
        start(ServerFaults.none().closeDelimited());

        String raw = Http.raw(server.port(), "GET /other.bin HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
        String head = raw.substring(0, raw.indexOf("\r\n\r\n")).toLowerCase(java.util.Locale.ROOT);
        assertThat(head).startsWith("http/1.1 200").contains("connection: close")
                .doesNotContain("content-length").doesNotContain("transfer-encoding").doesNotContain("x-flota");
        assertThat(raw.substring(raw.indexOf("\r\n\r\n") + 4).getBytes(StandardCharsets.ISO_8859_1))
                .isEqualTo(Files.readAllBytes(dir.resolve("other.bin")));

        Http.Reply reply = Http.get(client, server.url("app.bin"));
        assertThat(reply.error()).isNull();
        assertThat(reply.body()).isEqualTo(image);
    }

    @Test
    void headRefusedLikeS3PresignedUrls() {
        start(ServerFaults.none().refuseHead());

        assertThat(Http.head(client, server.url("app.bin")).status()).isEqualTo(403);
        Http.Reply probe = Http.get(client, server.url("app.bin"), "Range", "bytes=0-0");
        assertThat(probe.status()).isEqualTo(206);
        assertThat(probe.header("Content-Range")).isEqualTo("bytes 0-0/70000");
    }

    @Test
    void replacedImageFailsIfRange() {
        byte[] replacement = "a different image".getBytes(StandardCharsets.US_ASCII);
        start(ServerFaults.none().replaceAfter(1, replacement));

        Http.Reply first = Http.get(client, server.url("app.bin"), "Range", "bytes=0-999");
        assertThat(first.body()).isEqualTo(Arrays.copyOf(image, 1000));
        Http.Reply second = Http.get(client, server.url("app.bin"), "Range", "bytes=1000-1999", "If-Range",
                first.header("ETag"));
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.body()).isEqualTo(replacement);
        assertThat(second.header("ETag")).isNotEqualTo(first.header("ETag"));
        assertThat(Http.get(client, server.url("app.bin"), "Range", "bytes=2-4").body()).isEqualTo("dif".getBytes());
    }

    @Test
    void injectedFaultsAreCountedAtMetrics() {
        start(ServerFaults.none().closeAfter(10_000), ServerFaults.none().status(503).forPath("/other.bin"));

        assertThat(Http.get(client, server.url("app.bin")).error()).isNotNull();
        assertThat(Http.get(client, server.url("other.bin")).status()).isEqualTo(503);

        assertThat(Http.get(client, server.url("metrics")).text())
                .contains("flota_server_faults_injected_total{fault=\"close\"} 1\n")
                .contains("flota_server_faults_injected_total{fault=\"status\"} 1\n");
    }

    @Test
    void faultsAreImmutableValues() {
        ServerFaults base = ServerFaults.none();
        ServerFaults closing = base.closeAfter(1).forPath("app.bin");
        assertThat(base.closeAfterBytes()).isEqualTo(-1);
        assertThat(closing.path()).isEqualTo("/app.bin");
        assertThat(closing.toString()).contains("closeAfter=1").contains("/app.bin");
    }

    private static String basic(String userPassword) {
        return "Basic " + java.util.Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    }
}
