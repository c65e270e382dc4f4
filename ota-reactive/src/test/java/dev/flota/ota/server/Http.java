package dev.flota.ota.server;

import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * Test client helpers: one exchange with Reactor Netty's HttpClient, keeping what arrived even when it fails. Public
 * for the fixtures' own tests (nginx, server faults) in {@code dev.flota.ota.fixtures}.
 */
public final class Http {

    public record Reply(int status, HttpHeaders headers, byte[] body, Throwable error) {
        public String header(CharSequence name) {
            return headers == null ? null : headers.get(name);
        }

        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private Http() {
    }

    public static byte[] image(Path dir, String name, int size, long seed) throws IOException {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        Files.write(dir.resolve(name), bytes);
        return bytes;
    }

    public static HttpClient plain(ConnectionProvider pool) {
        return HttpClient.create(pool);
    }

    public static HttpClient tls(ConnectionProvider pool, String caPem) {
        return tls(pool, caPem, null, null);
    }

    public static HttpClient tls(ConnectionProvider pool, String caPem, String certPem, String keyPem) {
        return HttpClient.create(pool).secure(spec -> spec.sslContext(
                Http11SslContextSpec.forClient().configure(builder -> {
                    builder.trustManager(stream(caPem));
                    if (certPem != null) {
                        builder.keyManager(stream(certPem), stream(keyPem));
                    }
                })));
    }

    public static Reply get(HttpClient client, String url, String... headers) {
        return exchange(client, HttpMethod.GET, url, headers);
    }

    public static Reply head(HttpClient client, String url, String... headers) {
        return exchange(client, HttpMethod.HEAD, url, headers);
    }

    /** One request; {@code headers} are name, value pairs. */
    public static Reply exchange(HttpClient client, HttpMethod method, String url, String... headers) {
        ByteArrayOutputStream received = new ByteArrayOutputStream();
        AtomicReference<Integer> status = new AtomicReference<>(-1);
        AtomicReference<HttpHeaders> responseHeaders = new AtomicReference<>();
        Throwable error = null;
        try {
            client.headers(h -> {
                for (int i = 0; i < headers.length; i += 2) {
                    h.set(headers[i], headers[i + 1]);
                }
            }).request(method).uri(url).response((res, body) -> {
                status.set(res.status().code());
                responseHeaders.set(res.responseHeaders().copy());
                return body.asByteArray().doOnNext(bytes -> {
                    synchronized (received) {
                        received.writeBytes(bytes);
                    }
                });
            }).blockLast(Duration.ofSeconds(20));
        } catch (RuntimeException e) {
            error = e;
        }
        synchronized (received) {
            return new Reply(status.get(), responseHeaders.get(), received.toByteArray(), error);
        }
    }

    /** Sends {@code request} verbatim on a new socket and returns everything the server sent until it closed. */
    public static String raw(int port, String request) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(10_000);
            OutputStream out = socket.getOutputStream();
            out.write(request.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            InputStream in = socket.getInputStream();
            return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
        }
    }

    private static InputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
