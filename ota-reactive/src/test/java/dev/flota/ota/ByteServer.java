package dev.flota.ota;

import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.util.concurrent.atomic.AtomicInteger;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** A minimal plain-HTTP server for one image with Range support, counting requests; for pipeline unit tests. */
final class ByteServer implements AutoCloseable {

    private final DisposableServer server;
    final AtomicInteger requests = new AtomicInteger();

    ByteServer(byte[] image) {
        server = HttpServer.create().host("127.0.0.1").port(0).handle((req, res) -> {
            requests.incrementAndGet();
            String range = req.requestHeaders().get(HttpHeaderNames.RANGE);
            boolean head = req.method().name().equals("HEAD");
            if (range == null) {
                res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(image.length));
                return head ? res.send() : res.send(Mono.just(Unpooled.wrappedBuffer(image)));
            }
            String[] bounds = range.substring(6).split("-");
            int start = Integer.parseInt(bounds[0]);
            int end = bounds.length > 1 ? Math.min(Integer.parseInt(bounds[1]), image.length - 1) : image.length - 1;
            res.status(HttpResponseStatus.PARTIAL_CONTENT)
                    .header(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + image.length)
                    .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(end - start + 1));
            return res.send(Mono.just(Unpooled.wrappedBuffer(image, start, end - start + 1)));
        }).bindNow();
    }

    String url() {
        return "http://127.0.0.1:" + server.port() + "/app.bin";
    }

    @Override
    public void close() {
        server.disposeNow();
    }
}
