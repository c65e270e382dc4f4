package dev.flota.ota.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.handler.codec.http.HttpMethod;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

class ImageServerTest {

    @TempDir
    Path tmp;

    private Path dir;
    private byte[] image;
    private RunningImageServer server;
    private final List<String> accessLog = new CopyOnWriteArrayList<>();
    private final ConnectionProvider pool = ConnectionProvider.create("image-server-test", 1);
    private HttpClient client;

    @BeforeEach
    void start() throws Exception {
        dir = Files.createDirectories(tmp.resolve("www"));
        image = Http.image(dir, "app.bin", 100_000, 1);
        Files.writeString(tmp.resolve("secret.txt"), "top secret");
        server = ImageServer.create().directory(dir).accessLog(accessLog::add).bindNow();
        client = Http.plain(pool);
    }

    @AfterEach
    void stop() {
        server.disposeNow();
        pool.disposeLater().block();
    }

    @Test
    void servesWholeFileWithValidators() {
        Http.Reply reply = Http.get(client, server.url("app.bin"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.body()).isEqualTo(image);
        assertThat(reply.header("Content-Length")).isEqualTo("100000");
        assertThat(reply.header("Accept-Ranges")).isEqualTo("bytes");
        assertThat(reply.header("ETag")).startsWith("\"").endsWith("\"");
        assertThat(reply.header("Last-Modified")).endsWith(" GMT");
        assertThat(server.baseUrl()).isEqualTo("http://127.0.0.1:" + server.port() + "/");
        assertThat(server.requests().all()).singleElement()
                .isEqualTo(new ServedRequest("GET", "/app.bin", null, 200, 100_000,
                        server.requests().all().get(0).connection()));
        assertThat(accessLog).singleElement().asString()
                .startsWith("127.0.0.1 - - [").contains("\"GET /app.bin HTTP/1.1\" 200 100000 \"-\"");
    }

    @Test
    void closedRange() {
        Http.Reply reply = Http.get(client, server.url("app.bin"), "Range", "bytes=1000-4999");

        assertThat(reply.status()).isEqualTo(206);
        assertThat(reply.header("Content-Range")).isEqualTo("bytes 1000-4999/100000");
        assertThat(reply.header("Content-Length")).isEqualTo("4000");
        assertThat(reply.body()).isEqualTo(Arrays.copyOfRange(image, 1000, 5000));
        assertThat(server.requests().all().get(0).range()).isEqualTo("bytes=1000-4999");
    }

    @Test
    void openAndSuffixRangesAndEndBeyondLength() {
        assertThat(Http.get(client, server.url("app.bin"), "Range", "bytes=99000-").body())
                .isEqualTo(Arrays.copyOfRange(image, 99_000, 100_000));
        Http.Reply suffix = Http.get(client, server.url("app.bin"), "Range", "bytes=-10");
        assertThat(suffix.header("Content-Range")).isEqualTo("bytes 99990-99999/100000");
        assertThat(suffix.body()).isEqualTo(Arrays.copyOfRange(image, 99_990, 100_000));
        Http.Reply clamped = Http.get(client, server.url("app.bin"), "Range", "bytes=65536-100000");
        assertThat(clamped.status()).isEqualTo(206);
        assertThat(clamped.header("Content-Range")).isEqualTo("bytes 65536-99999/100000");
        Http.Reply first = Http.get(client, server.url("app.bin"), "Range", "bytes=0-0");
        assertThat(first.header("Content-Range")).isEqualTo("bytes 0-0/100000");
        assertThat(first.body()).containsExactly(image[0]);
    }

    @Test
    void unsatisfiableRangeIs416WithTotal() {
        Http.Reply reply = Http.get(client, server.url("app.bin"), "Range", "bytes=100000-");

        assertThat(reply.status()).isEqualTo(416);
        assertThat(reply.header("Content-Range")).isEqualTo("bytes */100000");
    }

    @Test
    void malformedOrMultipleRangesServeTheWholeFile() {
        assertThat(Http.get(client, server.url("app.bin"), "Range", "bytes=5-1").status()).isEqualTo(200);
        assertThat(Http.get(client, server.url("app.bin"), "Range", "bytes=0-1,5-6").status()).isEqualTo(200);
        assertThat(Http.get(client, server.url("app.bin"), "Range", "items=0-1").body()).isEqualTo(image);
    }

    @Test
    void conditionalRequestsGive304() {
        Http.Reply first = Http.get(client, server.url("app.bin"));
        String etag = first.header("ETag");
        String lastModified = first.header("Last-Modified");

        Http.Reply byTag = Http.get(client, server.url("app.bin"), "If-None-Match", etag);
        assertThat(byTag.status()).isEqualTo(304);
        assertThat(byTag.body()).isEmpty();
        assertThat(byTag.header("ETag")).isEqualTo(etag);
        assertThat(Http.get(client, server.url("app.bin"), "If-None-Match", "\"other\"").status()).isEqualTo(200);
        assertThat(Http.get(client, server.url("app.bin"), "If-Modified-Since", lastModified).status())
                .isEqualTo(304);
        assertThat(Http.get(client, server.url("app.bin"), "If-Modified-Since", "Thu, 01 Jan 2004 00:00:00 GMT")
                .status()).isEqualTo(200);
    }

    @Test
    void ifRangeServesTheRangeOnlyWhenTheValidatorMatches() {
        Http.Reply first = Http.head(client, server.url("app.bin"));

        Http.Reply sameTag = Http.get(client, server.url("app.bin"), "Range", "bytes=10-19",
                "If-Range", first.header("ETag"));
        assertThat(sameTag.status()).isEqualTo(206);
        assertThat(sameTag.body()).isEqualTo(Arrays.copyOfRange(image, 10, 20));
        assertThat(Http.get(client, server.url("app.bin"), "Range", "bytes=10-19",
                "If-Range", first.header("Last-Modified")).status()).isEqualTo(206);

        Http.Reply otherTag = Http.get(client, server.url("app.bin"), "Range", "bytes=10-19", "If-Range", "\"x\"");
        assertThat(otherTag.status()).isEqualTo(200);
        assertThat(otherTag.body()).isEqualTo(image);
        assertThat(Http.get(client, server.url("app.bin"), "Range", "bytes=10-19",
                "If-Range", "Thu, 01 Jan 2004 00:00:00 GMT").status()).isEqualTo(200);
    }

    @Test
    void headGivesLengthAndValidatorsWithoutBody() {
        Http.Reply reply = Http.head(client, server.url("app.bin"));

        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.header("Content-Length")).isEqualTo("100000");
        assertThat(reply.header("ETag")).isNotNull();
        assertThat(reply.body()).isEmpty();
        assertThat(server.requests().all()).extracting(ServedRequest::method, ServedRequest::bodyBytes)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("HEAD", 0L));
        assertThat(Http.get(client, server.url("app.bin")).body()).isEqualTo(image);
    }

    @Test
    void keepAliveCarriesSequentialRequestsOnOneConnection() {
        for (int offset = 0; offset < 100_000; offset += 4096) {
            int end = Math.min(offset + 4095, 99_999);
            Http.Reply reply = Http.get(client, server.url("app.bin"), "Range", "bytes=" + offset + "-" + end);
            assertThat(reply.body()).isEqualTo(Arrays.copyOfRange(image, offset, end + 1));
        }
        assertThat(server.requests().count()).isEqualTo(25);
        assertThat(server.requests().connections()).isEqualTo(1);
    }

    @Test
    void missingFilesDirectoriesAndOtherMethods() throws Exception {
        Files.createDirectories(dir.resolve("sub"));
        assertThat(Http.get(client, server.url("nope.bin")).status()).isEqualTo(404);
        assertThat(Http.get(client, server.url("sub")).status()).isEqualTo(404);
        Http.Reply post = Http.exchange(client, HttpMethod.POST, server.url("app.bin"));
        assertThat(post.status()).isEqualTo(405);
        assertThat(post.header("Allow")).isEqualTo("GET, HEAD");
    }

    @Test
    void pathsCannotLeaveTheDirectory() throws Exception {
        for (String path : List.of("/../secret.txt", "/%2e%2e/secret.txt", "/sub/../../secret.txt",
                "/..%2fsecret.txt", "/%2E%2E%5Csecret.txt")) {
            String response = Http.raw(server.port(),
                    "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
            assertThat(response).as(path).startsWith("HTTP/1.1 400").doesNotContain("top secret");
        }
    }

    @Test
    void metricsInPrometheusText() {
        Http.get(client, server.url("app.bin"), "Range", "bytes=0-99");
        Http.get(client, server.url("missing"));

        Http.Reply metrics = Http.get(client, server.url("metrics"));

        assertThat(metrics.status()).isEqualTo(200);
        assertThat(metrics.header("Content-Type")).startsWith("text/plain; version=0.0.4");
        assertThat(metrics.text())
                .contains("# TYPE flota_server_requests_total counter")
                .contains("flota_server_requests_total{method=\"GET\",status=\"206\"} 1\n")
                .contains("flota_server_requests_total{method=\"GET\",status=\"404\"} 1\n")
                .contains("flota_server_response_body_bytes_total 110\n")
                .contains("flota_server_connections_total 1\n");
    }

    @Test
    void decoratorsWrapTheFileHandlingAndTheirRepliesAreLoggedAndCounted() {
        server.disposeNow();
        server = ImageServer.create().directory(dir).accessLog(accessLog::add)
                .handler(files -> request -> request.path().equals("/old.bin") ? FileReply.text(410, "gone\n")
                        : files.apply(request))
                .handler(files -> request -> {
                    request.countFault("tagged");
                    return files.apply(request).header("X-Decorated", "outer");
                })
                .bindNow();

        Http.Reply gone = Http.get(client, server.url("old.bin"));
        assertThat(gone.status()).isEqualTo(410);
        assertThat(gone.text()).isEqualTo("gone\n");
        assertThat(gone.header("X-Decorated")).as("the later decorator wraps the earlier").isEqualTo("outer");
        Http.Reply range = Http.get(client, server.url("app.bin"), "Range", "bytes=0-99");
        assertThat(range.status()).isEqualTo(206);
        assertThat(range.body()).isEqualTo(Arrays.copyOf(image, 100));
        assertThat(range.header("X-Decorated")).isEqualTo("outer");

        assertThat(server.requests().all()).extracting(ServedRequest::status).containsExactly(410, 206);
        assertThat(accessLog).hasSize(2);
        assertThat(Http.get(client, server.url("metrics")).text())
                .contains("flota_server_requests_total{method=\"GET\",status=\"410\"} 1\n")
                .contains("flota_server_faults_injected_total{fault=\"tagged\"} 2\n");
    }

    @Test
    void aDecoratorCanServeOtherContentWholeOrCutItsBody() {
        byte[] other = "other content".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        java.time.Instant modified = java.time.Instant.parse("2030-01-02T03:04:05Z");
        server.disposeNow();
        server = ImageServer.create().directory(dir).handler(files -> request -> switch (request.path()) {
            case "/other.bin" -> files.apply(request.withContent(other, "\"v2\"", modified)
                    .withoutHeaders("Range"));
            case "/app.bin" -> {
                FileReply reply = files.apply(request);
                yield reply.body(reply.body().take(1), Math.min(reply.bodyBytes(), 16 * 1024)).keepAlive(false);
            }
            default -> files.apply(request);
        }).bindNow();

        Http.Reply replaced = Http.get(client, server.url("other.bin"), "Range", "bytes=0-1");
        assertThat(replaced.status()).isEqualTo(200);
        assertThat(replaced.body()).isEqualTo(other);
        assertThat(replaced.header("ETag")).isEqualTo("\"v2\"");
        assertThat(replaced.header("Last-Modified")).isEqualTo("Wed, 02 Jan 2030 03:04:05 GMT");
        Http.Reply cut = Http.get(client, server.url("app.bin"), "Range", "bytes=0-99999");
        assertThat(cut.header("Content-Length")).isEqualTo("100000");
        assertThat(cut.body()).isEqualTo(Arrays.copyOf(image, 16 * 1024));
        assertThat(cut.error()).as("closed before the announced length").isNotNull();
        assertThat(server.requests().all()).extracting(ServedRequest::range, ServedRequest::bodyBytes)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("bytes=0-1", 13L),
                        org.assertj.core.groups.Tuple.tuple("bytes=0-99999", 16_384L));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> FileReply.text(99, ""))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void configurationIsImmutable() {
        ImageServer base = ImageServer.create();
        ImageServer withDir = base.directory(dir);
        assertThat(withDir).isNotSameAs(base);
        org.assertj.core.api.Assertions.assertThatThrownBy(base::bindNow).isInstanceOf(IllegalStateException.class);
    }
}
