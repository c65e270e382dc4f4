package dev.flota.bench.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.bench.Cli;
import dev.flota.bench.OtaBench;
import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;

/** {@code serve}: starts on a free port, serves ranges over HTTPS, logs, stops on interrupt; usage errors. */
class ServeCommandTest {

    private static final Pattern URL = Pattern.compile("at (https?://\\S+/)");

    @TempDir
    Path dir;

    @Test
    void servesOverTlsUntilInterrupted() throws Exception {
        Path www = Files.createDirectories(dir.resolve("www"));
        Files.write(www.resolve("app.bin"), new byte[] {10, 11, 12, 13, 14, 15});
        SelfSignedCertificates certs = SelfSignedCertificates.generate();
        SelfSignedCertificates.PemFiles pem = certs.writeTo(dir.resolve("certs"));
        CompletableFuture<String> url = new CompletableFuture<>();
        StringWriter text = new StringWriter();
        Writer watcher = new Writer() {
            @Override
            public void write(char[] chars, int offset, int length) {
                synchronized (text) {
                    text.write(chars, offset, length);
                    Matcher m = URL.matcher(text.toString());
                    if (m.find()) {
                        url.complete(m.group(1));
                    }
                }
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        int[] exit = {-1};
        StringWriter err = new StringWriter();
        Thread serving = new Thread(() -> exit[0] = OtaBench.run(new PrintWriter(watcher, true), new PrintWriter(err),
                "serve", www.toString(), "--port", "0", "--tls-cert", pem.serverCert().toString(),
                "--tls-key", pem.serverKey().toString()));
        serving.start();
        try {
            String base = url.get(30, TimeUnit.SECONDS);
            assertThat(base).startsWith("https://127.0.0.1:");
            byte[] body = HttpClient.create().secure(spec -> spec.sslContext(Http11SslContextSpec.forClient()
                            .configure(b -> b.trustManager(new ByteArrayInputStream(
                                    certs.caPem().getBytes(StandardCharsets.US_ASCII))))))
                    .headers(h -> h.set("Range", "bytes=2-3"))
                    .get().uri(base + "app.bin").responseContent().aggregate().asByteArray()
                    .block(Duration.ofSeconds(10));
            assertThat(body).containsExactly(12, 13);
        } finally {
            serving.interrupt();
            serving.join(10_000);
        }
        assertThat(serving.isAlive()).isFalse();
        assertThat(exit[0]).as(err.toString()).isZero();
        synchronized (text) {
            assertThat(text.toString()).contains("\"GET /app.bin HTTP/1.1\" 206 2 \"bytes=2-3\"").contains("stopped");
        }
    }

    @Test
    void help() {
        Cli cli = Cli.run("serve", "--help");
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.out()).contains("--port", "--tls-cert", "--tls-key", "--host", "/metrics");
    }

    @Test
    void usageErrors() throws Exception {
        assertThat(Cli.run("serve", dir.toString()).exitCode()).isEqualTo(2);
        Cli missing = Cli.run("serve", dir.resolve("nope").toString(), "--port", "0");
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("not a directory");
        Cli half = Cli.run("serve", dir.toString(), "--port", "0", "--tls-cert", "x.pem");
        assertThat(half.exitCode()).isEqualTo(2);
        assertThat(half.err()).contains("--tls-cert and --tls-key go together");
        assertThat(Cli.run("serve", dir.toString(), "--port", "70000").exitCode()).isEqualTo(2);
        Cli unreadable = Cli.run("serve", dir.toString(), "--port", "0", "--tls-cert", "x.pem", "--tls-key", "y.pem");
        assertThat(unreadable.exitCode()).isEqualTo(2);
        assertThat(unreadable.err()).contains("cannot read x.pem");
    }

    @Test
    void portInUseExitsWithOne() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            Cli cli = Cli.run("serve", dir.toString(), "--port", Integer.toString(taken.getLocalPort()));
            assertThat(cli.exitCode()).isEqualTo(1);
            assertThat(cli.err()).startsWith("error: cannot serve on 127.0.0.1:" + taken.getLocalPort());
        }
    }
}
