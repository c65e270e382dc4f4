package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.testing.TestDevices;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;
import reactor.netty.http.server.HttpServer;

/** A first end-to-end run over plain HTTP against a minimal in-test server. */
class PipelineSmokeTest {

    @Test
    void wholeAndPartialUpdates() {
        byte[] image = TestDevices.app("2.0");
        DisposableServer server = HttpServer.create().host("127.0.0.1").port(0).handle((req, res) -> {
            String range = req.requestHeaders().get(HttpHeaderNames.RANGE);
            if (range == null) {
                res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(image.length));
                return req.method().name().equals("HEAD") ? res.send()
                        : res.send(Mono.just(Unpooled.wrappedBuffer(image)));
            }
            String[] bounds = range.substring(6).split("-");
            int start = Integer.parseInt(bounds[0]);
            int end = bounds.length > 1 ? Math.min(Integer.parseInt(bounds[1]), image.length - 1) : image.length - 1;
            res.status(HttpResponseStatus.PARTIAL_CONTENT)
                    .header(HttpHeaderNames.CONTENT_RANGE, "bytes " + start + "-" + end + "/" + image.length)
                    .header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(end - start + 1));
            return res.send(Mono.just(Unpooled.wrappedBuffer(image, start, end - start + 1)));
        }).bindNow();
        try {
            for (boolean partial : new boolean[] {false, true}) {
                Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS,
                        TestDevices.app("1.0")), false);
                List<OtaEvent> events = HttpsOta.create()
                        .url("http://127.0.0.1:" + server.port() + "/app.bin").allowHttp(true)
                        .partialHttpDownload(partial).maxHttpRequestSize(4096)
                        .update(device).collectList().block(Duration.ofSeconds(30));
                assertThat(events.get(0)).isInstanceOf(OtaEvent.Started.class);
                assertThat(events).last().isInstanceOf(OtaEvent.Finished.class);
                assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
            }
        } finally {
            server.disposeNow();
        }
    }
}
