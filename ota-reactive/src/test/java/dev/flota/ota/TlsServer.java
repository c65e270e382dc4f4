package dev.flota.ota;

import dev.flota.ota.fixtures.SelfSignedCertificates;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLException;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/**
 * A small HTTPS server on 127.0.0.1 for transport tests: serves one image (whole GETs), or answers every request with
 * a 302 to another URL; its certificate, key and TLS versions are the test's.
 */
final class TlsServer implements AutoCloseable {

    private final DisposableServer server;
    final AtomicInteger requests = new AtomicInteger();

    private TlsServer(SelfSignedCertificates tls, String[] protocols, byte[] image, String redirectTo) {
        SslContextBuilder context = SslContextBuilder.forServer(stream(tls.serverCertPem()),
                stream(tls.serverKeyPem())).protocols(protocols);
        server = HttpServer.create().host("127.0.0.1").port(0).secure(spec -> {
            try {
                spec.sslContext(context.build());
            } catch (SSLException e) {
                throw new IllegalStateException(e);
            }
        }).handle((request, response) -> {
            requests.incrementAndGet();
            if (redirectTo != null) {
                return response.status(HttpResponseStatus.FOUND).header(HttpHeaderNames.LOCATION, redirectTo)
                        .header(HttpHeaderNames.CONTENT_LENGTH, "0").send();
            }
            return response.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(image.length))
                    .send(Mono.just(Unpooled.wrappedBuffer(image)));
        }).bindNow();
    }

    static TlsServer serving(SelfSignedCertificates tls, byte[] image, String... protocols) {
        return new TlsServer(tls, protocols.length == 0 ? new String[] {"TLSv1.3", "TLSv1.2"} : protocols, image,
                null);
    }

    static TlsServer redirecting(SelfSignedCertificates tls, String location) {
        return new TlsServer(tls, new String[] {"TLSv1.3", "TLSv1.2"}, null, location);
    }

    String url() {
        return "https://127.0.0.1:" + server.port() + "/app.bin";
    }

    @Override
    public void close() {
        server.disposeNow();
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
