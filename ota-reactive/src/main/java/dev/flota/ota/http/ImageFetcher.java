package dev.flota.ota.http;

import dev.flota.ota.http.FetchException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.IntFunction;
import javax.net.ssl.SSLException;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.http.client.HttpClient;
import reactor.netty.http.client.HttpClientResponse;
import reactor.netty.http.client.PrematureCloseException;
import reactor.netty.resources.ConnectionProvider;
import reactor.util.retry.Retry;

/**
 * Downloads an image with Reactor Netty the way {@code esp_https_ota} does, and more carefully: one GET, or ranged
 * GETs of at most {@code maxRequestSize} bytes on a kept-alive connection (one plain GET when the image fits in one),
 * the size learnt by HEAD or, when HEAD is refused, by {@code Range: bytes=0-0}. Every ranged answer must be a 206
 * with the exact {@code Content-Range} asked for, except that a 200 to the first range is the whole image from a
 * server that ignores Range (ESP-IDF's fallback to one plain GET); a 200 after byte 0 cannot be spliced in and fails
 * the fetch with {@code RANGE_IGNORED_MIDWAY}, for the update to fetch the image again. A reset, a read timeout or a
 * short body is retried with backoff from the next byte not yet delivered, with {@code If-Range} so a changed image
 * is detected instead of spliced. Demand flows back to the socket: bytes are read only as fast as downstream
 * requests them. With a journal gate in the settings, each GET waits until the resume journal covers the bytes before
 * it, so that a power cut costs at most the request in flight.
 *
 * <p>One instance serves one update; {@link #fetch(long)} may be subscribed again after a failure.
 */
public final class ImageFetcher {

    private final FetchSettings settings;
    private final FetchListener listener;
    private final HttpClient client;
    private final ConnectionProvider ownProvider;
    private volatile int lastStatus = -1;
    private volatile boolean complete;
    private volatile long position;
    private volatile boolean prepaid;
    private volatile long payloadStart;
    private final Authorization authorization;
    private final ResponseChecks checks;
    private boolean connected;

    private ImageFetcher(FetchSettings settings, FetchListener listener, HttpClient client,
            ConnectionProvider ownProvider) {
        this.settings = settings;
        this.listener = listener;
        this.client = client;
        this.ownProvider = ownProvider;
        this.authorization = new Authorization(settings.credentials());
        this.checks = new ResponseChecks(settings.http(), authorization, listener);
    }

    /**
     * A fetcher for one update. Without a shared connection provider in the settings, the update gets its own pool of
     * one connection, as a device has: each request waits for the previous one's connection to be released and
     * reuses it, so a partial download runs on one kept-alive connection. That wait has no timer of its own
     * (Reactor Netty would arm one on its parallel scheduler for every range, and wake a thread to do it): it lasts
     * until this update's previous request lets go of the connection, which the read timeout and the update's
     * deadline already bound.
     */
    public static ImageFetcher create(FetchSettings settings, FetchListener listener) {
        ConnectionProvider own = settings.http().connections() == null ? ConnectionProvider.builder("flota-update")
                .maxConnections(1).pendingAcquireMaxCount(-1).pendingAcquireTimeout(Duration.ZERO).build() : null;
        HttpClient client = HttpClient.create(own != null ? own : settings.http().connections())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.timeouts().connect().toMillis())
                .responseTimeout(settings.timeouts().read())
                .httpResponseDecoder(spec -> spec.maxChunkSize(settings.maxChunkSize()))
                .followRedirect((request, response) -> ResponseChecks.isRedirect(response.status().code())
                        && request.redirectedFrom().length < settings.http().maxRedirects()
                        && ResponseChecks.downgrade(response, settings.http().allowHttp()) == null);
        ProxySettings proxy = settings.http().proxy();
        client = proxy == null ? client.proxyWithSystemProperties() : client.proxy(proxy::configure);
        if (settings.http().https()) {
            try {
                var context = settings.tls().sslContext();
                client = client.secure(spec -> spec.sslContext(context)
                        .handshakeTimeout(settings.timeouts().connect()));
            } catch (SSLException e) {
                throw new IllegalArgumentException("bad TLS settings: " + e.getMessage(), e);
            }
        }
        return new ImageFetcher(settings, listener, client, own);
    }

    /** The image's size once known, else -1. */
    public long imageSize() {
        return checks.imageSize();
    }

    /**
     * Resumption: the image is taken to be the one of this size and validator (strong ETag or Last-Modified), as an
     * earlier run recorded it; no HEAD is sent, and every range carries {@code If-Range} with it, so a changed image
     * answers 200 and restarts the update instead of being spliced. Before {@link #fetch(long)}.
     */
    public void expect(long size, String validator) {
        checks.expect(size, validator);
    }

    /**
     * Where the bytes the flash takes begin in the served file: a pre-encrypted image's 512-byte header comes first.
     * Ranges then end on {@code payloadStart} plus multiples of {@code maxRequestSize}, the first one carrying the
     * header as well, so that each range ends where a whole number of flash sectors does and a cut loses at most the
     * request in flight rather than one split over two sectors. Before {@link #fetch(long)}.
     */
    public void payloadStart(long offset) {
        this.payloadStart = offset;
    }

    /** The validator ranged requests send in {@code If-Range} (strong ETag, else Last-Modified), else null. */
    public String validator() {
        return checks.validator();
    }

    /** The status of the last response, else -1. */
    public int lastStatus() {
        return lastStatus;
    }

    /** True once every byte of the image was delivered ({@code esp_https_ota_is_complete_data_received}). */
    public boolean completeDataReceived() {
        return complete;
    }

    /**
     * The image bytes from {@code start} to the end, each chunk of {@code n} received bytes copied into
     * {@code buffers.apply(n)}: an empty writable buffer of exactly {@code n} bytes, which the fetcher fills and emits.
     */
    public Flux<ByteBuffer> fetch(long start, IntFunction<ByteBuffer> buffers) {
        return Flux.defer(() -> {
            if (!settings.http().https() && !settings.http().allowHttp()) {
                return Flux.error(new FetchException(Reason.INVALID_ARG, "plain HTTP (" + settings.http().url()
                        + ") needs allowHttp", -1, null));
            }
            position = start;
            long imageSize = checks.imageSize();
            complete = imageSize >= 0 && start >= imageSize;
            if (complete) {
                return Flux.<ByteBuffer>empty(); // a resumed image the flash holds whole: nothing to fetch
            }
            Mono<Void> admission = gated() ? settings.requestGate().apply(settings.http().maxRequestSize())
                    .doOnSuccess(v -> prepaid = true) : Mono.empty();
            Mono<Void> sizing = admission.then(settings.http().partialDownload() && imageSize < 0 ? head()
                    : Mono.empty());
            Flux<ByteBuffer> requests = Flux.defer(() -> nextRequest(buffers))
                    .retryWhen(Retry.backoff(settings.retries().maxRetries(), settings.retries().minBackoff())
                            .maxBackoff(settings.retries().maxBackoff())
                            .transientErrors(true)
                            .scheduler(settings.timer())
                            .filter(e -> e instanceof FetchException f && f.retriable())
                            .doBeforeRetry(signal -> listener.onRetry(signal.failure(), position))
                            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                    .repeat(() -> !complete);
            return sizing.thenMany(requests);
        }).doFinally(signal -> {
            if (ownProvider != null) {
                ownProvider.disposeLater().subscribe();
            }
        });
    }

    private Flux<ByteBuffer> nextRequest(IntFunction<ByteBuffer> buffers) {
        if (complete) {
            return Flux.empty();
        }
        RangeRequest request = RangeRequest.next(position, checks.imageSize(), settings.http().maxRequestSize(),
                settings.http().partialDownload(), payloadStart);
        Mono<Void> journalled = settings.journalGate() == null || request.probe() ? Mono.empty()
                : settings.journalGate().apply(request.start());
        Mono<Void> budget = Mono.defer(() -> !gated() || request.probe() ? Mono.empty()
                : prepaid ? Mono.fromRunnable(() -> prepaid = false)
                : settings.requestGate().apply(request.end() - request.start() + 1));
        return journalled.then(budget).thenMany(Flux.defer(() -> {
            listener.onRequest("GET");
            return send(request, buffers);
        }));
    }

    /** A partial download under a shared budget: it connects and sends each request once the budget allows. */
    private boolean gated() {
        return settings.http().partialDownload() && settings.requestGate() != null;
    }

    private Flux<ByteBuffer> send(RangeRequest request, IntFunction<ByteBuffer> buffers) {
        return client.headers(h -> headers(h, "GET", request.range(), true)).get().uri(settings.http().url())
                .response((response, body) -> {
                    int status = response.status().code();
                    lastStatus = status;
                    listener.onResponse(status);
                    FetchException problem = checks.check(response);
                    if (problem == ResponseChecks.AUTH_RETRY) {
                        return body.then(Mono.<ByteBuffer>empty());
                    }
                    RangeRequest.Answer answer = request.answer(status);
                    boolean changed = checks.changed(response.responseHeaders());
                    if (problem == null) {
                        problem = checks.checkAnswer(response.responseHeaders(), request, answer, status);
                    }
                    if (problem != null) {
                        return Flux.error(problem);
                    }
                    checks.rememberValidator(response.responseHeaders(), request.start() == 0);
                    if (answer == RangeRequest.Answer.SIZE) {
                        return body.doOnNext(b -> listener.onDiscarded(b.readableBytes()))
                                .then(Mono.<ByteBuffer>empty());
                    }
                    long imageSize = checks.imageSize();
                    if (!connected) {
                        connected = true;
                        listener.onConnected(status, imageSize);
                    }
                    if (answer == RangeRequest.Answer.WHOLE_IMAGE && !changed) {
                        listener.onRangeIgnored(0);
                    }
                    long expected = status == 206 && request.end() >= 0 ? request.end() - request.start() + 1
                            : imageSize >= 0 ? imageSize - request.start() : -1;
                    AtomicLong received = new AtomicLong();
                    // one operator per chunk; a short body fails the response from doOnComplete
                    return body.map(buf -> {
                        ByteBuffer bytes = copy(buf, buffers);
                        received.addAndGet(bytes.remaining());
                        position += bytes.remaining();
                        listener.onBytes(bytes.remaining());
                        return bytes;
                    }).doOnComplete(() -> finishResponse(received.get(), expected));
                })
                .onErrorMap(e -> !(e instanceof FetchException), ImageFetcher::translate);
    }

    /** At a body's end: fails it when it is shorter than announced, else notes whether the image is complete. */
    private void finishResponse(long received, long expected) {
        if (expected >= 0 && received < expected) {
            throw new FetchException(Reason.INCOMPLETE, "body ended after " + received + " of " + expected
                    + " bytes", lastStatus, null);
        }
        if (!settings.http().partialDownload() || position >= checks.imageSize()) {
            complete = true;
        }
    }

    /**
     * HEAD for the size. When it does not say it (refused, as by S3 presigned GET URLs), the first GET asks for
     * {@code Range: bytes=0-0}.
     */
    private Mono<Void> head() {
        return exchange(HttpMethod.HEAD).doOnNext(head -> checks.head(head.responseHeaders(), head.status().code()))
                .then();
    }

    /** One request whose body is drained, following 401 with credentials. */
    private Mono<HttpClientResponse> exchange(HttpMethod method) {
        listener.onRequest(method.name());
        return client.headers(h -> headers(h, method.name(), null, false)).request(method).uri(settings.http().url())
                .responseSingle((response, body) -> body.then(Mono.just(response)))
                .onErrorMap(e -> !(e instanceof FetchException), ImageFetcher::translate)
                .flatMap(response -> {
                    lastStatus = response.status().code();
                    listener.onResponse(lastStatus);
                    if (lastStatus == 401 && authorization.retryAfter(response.responseHeaders())) {
                        return exchange(method);
                    }
                    if (ResponseChecks.isRedirect(lastStatus)) {
                        return Mono.error(checks.redirectRefused(response));
                    }
                    return Mono.just(response);
                });
    }

    private void headers(HttpHeaders headers, String method, String range, boolean ifRange) {
        if (range != null) {
            headers.set(HttpHeaderNames.RANGE, range);
            String validator = checks.validator();
            if (ifRange && validator != null) {
                headers.set(HttpHeaderNames.IF_RANGE, validator);
            }
        }
        authorization.addTo(headers, method, settings.http().url());
        if (settings.http().requestHook() != null) {
            settings.http().requestHook().accept(method, headers);
        }
    }

    private static ByteBuffer copy(ByteBuf buf, IntFunction<ByteBuffer> buffers) {
        ByteBuffer bytes = buffers.apply(buf.readableBytes());
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes.flip();
    }

    private static Throwable translate(Throwable e) {
        if (e instanceof ReadTimeoutException || e.getCause() instanceof ReadTimeoutException) {
            return new FetchException(Reason.READ_TIMEOUT, "no data within the read timeout", -1, e);
        }
        if (e instanceof PrematureCloseException || e instanceof IOException && !(e instanceof SSLException)
                && !(e instanceof java.net.ConnectException)) {
            return new FetchException(Reason.INCOMPLETE, "connection lost: " + e.getMessage(), -1, e);
        }
        return new FetchException(Reason.CONNECT, "cannot connect: " + e, -1, e);
    }
}
