package dev.flota.bench.reference;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.resources.ConnectionProvider;

/**
 * The reference of {@code bench fleet}: the same number of downloads with Reactor Netty alone and no engine. Each
 * "device" has a pool of one connection, as an update has, so it does its own TLS handshake; it sends the HEAD and the
 * ranged GETs an update sends, in order on that connection, and discards the bytes (Reactor Netty releases each buffer
 * after it is counted). The TLS client context is built like the engine's (TLS 1.2 and 1.3, the JDK's default suites,
 * the default engine: OpenSSL when netty-tcnative is present) and shared by all devices, as one {@code HttpsOta}'s is.
 * At most {@code concurrency} devices download at once: the number of requests the engine's fleet budget lets fly.
 */
public final class RawFleet {

    /** What the raw fleet moved. */
    public record Measured(int succeeded, int failed, long bytes, double seconds, String firstError) {
        public double mbPerSec() {
            return seconds > 0 ? bytes / 1e6 / seconds : 0;
        }
    }

    private final SslContext ssl;
    private final long imageSize;
    private final int requestSize;
    private final boolean head;

    /**
     * Downloads of an {@code imageSize}-byte file in requests of {@code requestSize}, after a HEAD when {@code head}
     * (a partial download learns the size first; a whole-image update does not).
     */
    public RawFleet(String caPem, long imageSize, int requestSize, boolean head) throws SSLException {
        this.ssl = SslContextBuilder.forClient().protocols("TLSv1.3", "TLSv1.2")
                .ciphers(jdkDefaultCipherSuites(), SupportedCipherSuiteFilter.INSTANCE)
                .trustManager(new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))).build();
        this.imageSize = imageSize;
        this.requestSize = requestSize;
        this.head = head;
    }

    /**
     * The requests one device sends after its HEAD: {@code [first, last]} ranges of at most {@code requestSize}
     * bytes covering the image, or one plain GET (an empty array) when the image fits in one request or
     * {@code requestSize} is 0 (a whole-image update), as the engine does.
     */
    public static List<long[]> ranges(long imageSize, int requestSize) {
        if (requestSize <= 0 || imageSize <= requestSize) {
            return List.of(new long[0]);
        }
        List<long[]> ranges = new ArrayList<>();
        for (long start = 0; start < imageSize; start += requestSize) {
            ranges.add(new long[] {start, Math.min(imageSize, start + requestSize) - 1});
        }
        return ranges;
    }

    /** {@code devices} downloads of {@code url}, at most {@code concurrency} at once. */
    public Measured run(String url, int devices, int concurrency) {
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong bytes = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<long[]> ranges = ranges(imageSize, requestSize);
        long start = System.nanoTime();
        Flux.range(0, devices).flatMap(d -> device(url, ranges).doOnNext(n -> {
            bytes.addAndGet(n);
            succeeded.incrementAndGet();
        }).onErrorResume(e -> {
            failed.incrementAndGet();
            firstError.compareAndSet(null, String.valueOf(e.getMessage()));
            return Mono.empty();
        }), Math.max(1, concurrency)).then().block(Duration.ofHours(1));
        return new Measured(succeeded.get(), failed.get(), bytes.get(), (System.nanoTime() - start) / 1e9,
                firstError.get());
    }

    /** One device: HEAD, then every range on one kept-alive connection; emits the body bytes once all arrived. */
    private Mono<Long> device(String url, List<long[]> ranges) {
        return Mono.defer(() -> {
            // as Flota's own pool of one: no acquire timer (Reactor Netty arms one per range on its parallel scheduler)
            ConnectionProvider own = ConnectionProvider.builder("raw-fleet").maxConnections(1)
                    .pendingAcquireMaxCount(-1).pendingAcquireTimeout(Duration.ZERO).build();
            HttpClient client = HttpClient.create(own).option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 60_000)
                    .responseTimeout(Duration.ofSeconds(60))
                    .secure(s -> s.sslContext(ssl).handshakeTimeout(Duration.ofSeconds(60)));
            Mono<Void> sizing = !head ? Mono.empty() : client.head().uri(url)
                    .responseSingle((response, body) -> body.then(response.status().code() == 200
                            ? Mono.just(response.status().code())
                            : Mono.error(new IllegalStateException("HEAD answered " + response.status())))).then();
            return sizing.then(Flux.fromIterable(ranges).concatMap(range -> get(client, url, range))
                    .reduce(0L, Long::sum))
                    .flatMap(total -> total == imageSize ? Mono.just(total) : Mono.error(
                            new IllegalStateException(total + " bytes of a " + imageSize + "-byte image")))
                    .doFinally(signal -> own.disposeLater().subscribe());
        });
    }

    private static Mono<Long> get(HttpClient client, String url, long[] range) {
        boolean whole = range.length == 0;
        HttpClient ranged = whole ? client
                : client.headers(h -> h.set(HttpHeaderNames.RANGE, "bytes=" + range[0] + "-" + range[1]));
        int expectedStatus = whole ? 200 : 206;
        return ranged.get().uri(url).response((response, body) -> response.status().code() != expectedStatus
                ? Mono.<Long>error(new IllegalStateException("status " + response.status() + " for "
                        + (whole ? "the image" : "bytes " + range[0] + "-" + range[1])))
                : body.map(ByteBuf::readableBytes).reduce(0L, (sum, n) -> sum + n)).next();
    }

    private static List<String> jdkDefaultCipherSuites() {
        try {
            return List.of(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
    }
}
