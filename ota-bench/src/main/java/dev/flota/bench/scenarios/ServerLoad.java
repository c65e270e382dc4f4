package dev.flota.bench.scenarios;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import javax.net.ssl.SSLSession;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.resources.ConnectionProvider;
import reactor.netty.resources.LoopResources;

/**
 * The load generator of {@code bench server}: the same clients and the same offsets for every server. Each client runs
 * a sequence of ranged GETs at random aligned offsets on a kept-alive connection of a pool sized for the clients, on
 * its own event loops; every response must be a 206 with exactly the requested bytes, else it counts as a failure.
 */
final class ServerLoad {

    /** The seed of the clients' offsets, and of the served file's bytes. */
    static final long SEED = 0x5eed_f107aL;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

    /**
     * One server's figures.
     *
     * @param tls the protocol and cipher suite the first TLS connection negotiated, e.g.
     *            {@code TLSv1.3 TLS_AES_128_GCM_SHA256}; null over plain HTTP
     */
    record Measured(long requests, long bytes, double seconds, int failures, String firstError, String tls) {
        double requestsPerSec() {
            return seconds > 0 ? requests / seconds : 0;
        }

        double mbPerSec() {
            return seconds > 0 ? bytes / 1e6 / seconds : 0;
        }
    }

    private final int clients;
    private final int perClient;
    private final long imageSize;
    private final long rangeSize;
    private final SslContext ssl;
    private final LoopResources loops;

    ServerLoad(int clients, int perClient, long imageSize, long rangeSize, SslContext ssl, LoopResources loops) {
        this.clients = clients;
        this.perClient = perClient;
        this.imageSize = imageSize;
        this.rangeSize = rangeSize;
        this.ssl = ssl;
        this.loops = loops;
    }

    /**
     * An unmeasured pass so the JIT and the server settle: at full size, as a shorter one (fewer clients) leaves the
     * paths of a thousand connections (the pool's growth, pending acquires) to be compiled in the first measured run.
     */
    void warmUp(String url) {
        drive(url, clients, perClient);
    }

    Measured run(String url) {
        return drive(url, clients, perClient);
    }

    private Measured drive(String url, int clientCount, int requestsEach) {
        ConnectionProvider provider = ConnectionProvider.builder("bench-server")
                .maxConnections(clientCount)
                .pendingAcquireMaxCount(-1)
                .pendingAcquireTimeout(Duration.ofMinutes(2))
                .build();
        HttpClient client = HttpClient.create(provider)
                .runOn(loops)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, 30_000)
                .responseTimeout(REQUEST_TIMEOUT);
        AtomicReference<String> negotiated = new AtomicReference<>();
        if (ssl != null) {
            client = client.secure(s -> s.sslContext(ssl).handshakeTimeout(Duration.ofSeconds(60)))
                    .doOnResponse((response, connection) -> {
                        if (negotiated.get() == null) {
                            SslHandler handler = connection.channel().pipeline().get(SslHandler.class);
                            SSLSession session = handler == null ? null : handler.engine().getSession();
                            if (session != null) {
                                negotiated.compareAndSet(null, session.getProtocol() + " " + session.getCipherSuite());
                            }
                        }
                    });
        }
        HttpClient http = client;
        long slots = imageSize / rangeSize;
        AtomicLong requests = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        AtomicInteger failures = new AtomicInteger();
        AtomicReference<String> firstError = new AtomicReference<>();
        long start = System.nanoTime();
        try {
            Flux.range(0, clientCount)
                    .flatMap(c -> Flux.defer(() -> {
                        SplittableRandom random = new SplittableRandom(SEED + c);
                        return Flux.range(0, requestsEach).concatMap(r -> {
                            long offset = random.nextLong(slots) * rangeSize;
                            return get(http, url, offset, offset + rangeSize - 1)
                                    .doOnNext(n -> {
                                        requests.incrementAndGet();
                                        bytes.addAndGet(n);
                                    })
                                    .onErrorResume(e -> {
                                        failures.incrementAndGet();
                                        firstError.compareAndSet(null, String.valueOf(e.getMessage()));
                                        return Mono.empty();
                                    });
                        });
                    }), clientCount)
                    .then()
                    .block(Duration.ofMinutes(30));
        } finally {
            provider.disposeLater().block(Duration.ofSeconds(30));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Measured(requests.get(), bytes.get(), seconds, failures.get(), firstError.get(), negotiated.get());
    }

    /** One ranged GET; emits the body length once the status, Content-Range and length were checked. */
    private static Mono<Long> get(HttpClient client, String url, long first, long last) {
        String range = "bytes=" + first + "-" + last;
        return client.headers(h -> h.set(HttpHeaderNames.RANGE, range))
                .get()
                .uri(url)
                .response((response, body) -> body.map(ByteBuf::readableBytes)
                        .reduce(0L, (sum, n) -> sum + n)
                        .flatMap(length -> check(response, first, last, length)))
                .next();
    }

    private static Mono<Long> check(HttpClientResponse response, long first, long last, long length) {
        int status = response.status().code();
        long expected = last - first + 1;
        if (status != 206) {
            return Mono.error(new IllegalStateException("status " + status + " for bytes " + first + "-" + last));
        }
        String contentRange = response.responseHeaders().get(HttpHeaderNames.CONTENT_RANGE);
        if (contentRange == null || !contentRange.startsWith("bytes " + first + "-" + last + "/")) {
            return Mono.error(new IllegalStateException("Content-Range " + contentRange + " for bytes "
                    + first + "-" + last));
        }
        if (length != expected) {
            return Mono.error(new IllegalStateException(length + " bytes for a " + expected + "-byte range"));
        }
        return Mono.just(length);
    }
}
