package dev.flota.ota.http;

import dev.flota.ota.http.FetchException.Reason;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.timeout.ReadTimeoutException;
import java.io.IOException;
import java.net.URI;
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
    private volatile long imageSize = -1;
    private volatile int lastStatus = -1;
    private volatile boolean complete;
    private volatile String validator;
    private volatile long position;
    private volatile boolean prepaid;
    private volatile long payloadStart;
    private final Authorization authorization;
    private boolean connected;

    private ImageFetcher(FetchSettings settings, FetchListener listener, HttpClient client,
            ConnectionProvider ownProvider) {
        this.settings = settings;
        this.listener = listener;
        this.client = client;
        this.ownProvider = ownProvider;
        this.authorization = new Authorization(settings.credentials());
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
                .followRedirect((request, response) -> isRedirect(response.status().code())
                        && request.redirectedFrom().length < settings.http().maxRedirects()
                        && downgrade(response, settings.http().allowHttp()) == null);
        ProxySettings proxy = settings.http().proxy();
        client = proxy == null ? client.proxyWithSystemProperties() : client.proxy(proxy::configure);
        if (settings.http().https()) {
            try {
                var context = settings.tls().sslContext();
                client = client.secure(spec -> spec.sslContext(context).handshakeTimeout(settings.timeouts().connect()));
            } catch (SSLException e) {
                throw new IllegalArgumentException("bad TLS settings: " + e.getMessage(), e);
            }
        }
        return new ImageFetcher(settings, listener, client, own);
    }

    /** The image's size once known, else -1. */
    public long imageSize() {
        return imageSize;
    }

    /**
     * Resumption: the image is taken to be the one of this size and validator (strong ETag or Last-Modified), as an
     * earlier run recorded it; no HEAD is sent, and every range carries {@code If-Range} with it, so a changed image
     * answers 200 and restarts the update instead of being spliced. Before {@link #fetch(long)}.
     */
    public void expect(long size, String validator) {
        this.imageSize = size;
        this.validator = validator;
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
        return validator;
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
        RangeRequest request = RangeRequest.next(position, imageSize, settings.http().maxRequestSize(),
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
                    FetchException problem = check(response);
                    if (problem == AUTH_RETRY) {
                        return body.then(Mono.<ByteBuffer>empty());
                    }
                    RangeRequest.Answer answer = request.answer(status);
                    boolean changed = changed(response.responseHeaders());
                    if (problem == null) {
                        problem = checkAnswer(response.responseHeaders(), request, answer, status);
                    }
                    if (problem != null) {
                        return Flux.error(problem);
                    }
                    rememberValidator(response.responseHeaders(), request.start() == 0);
                    if (answer == RangeRequest.Answer.SIZE) {
                        return body.doOnNext(b -> listener.onDiscarded(b.readableBytes()))
                                .then(Mono.<ByteBuffer>empty());
                    }
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
                    return body.map(buf -> copy(buf, buffers)).doOnNext(bytes -> {
                        received.addAndGet(bytes.remaining());
                        position += bytes.remaining();
                        listener.onBytes(bytes.remaining());
                    }).concatWith(Mono.defer(() -> finishResponse(received.get(), expected)));
                })
                .onErrorMap(e -> !(e instanceof FetchException), ImageFetcher::translate);
    }

    /**
     * Null when a 2xx answer brings what {@code request} asked for, learning the image size from it; else why not. A
     * 200 to a ranged request from byte 0 is the image, as if it answered one plain GET (ESP-IDF's fallback for a
     * server that ignores Range, or the new image when If-Range no longer matched); after byte 0 it cannot be spliced
     * in, and the image is to be fetched again.
     */
    private FetchException checkAnswer(HttpHeaders headers, RangeRequest request, RangeRequest.Answer answer,
            int status) {
        if (answer == RangeRequest.Answer.UNEXPECTED) {
            return request.probe() ? new FetchException(Reason.STATUS, "unexpected status " + status + " to "
                    + request.range(), status, null) : new FetchException(Reason.RANGE_IGNORED, "asked for "
                    + request.range() + ", got " + status, status, null);
        }
        if (answer == RangeRequest.Answer.IGNORED_MIDWAY) {
            if (changed(headers)) {
                return new FetchException(Reason.IMAGE_CHANGED, "the image changed on the server (validator "
                        + validator + " is now " + validatorOf(headers) + ")", status, null);
            }
            listener.onRangeIgnored(request.start());
            return new FetchException(Reason.RANGE_IGNORED_MIDWAY, "asked for " + request.range() + ", got " + status
                    + " with the whole image: the server ignores Range", status, null);
        }
        if (request.range() != null && answer != RangeRequest.Answer.WHOLE_IMAGE) {
            String header = headers.get(HttpHeaderNames.CONTENT_RANGE, "");
            ContentRange answered = ContentRange.parse(header);
            String wrong = answered == null ? "is malformed" : answered.mismatch(request.start(), request.end(),
                    imageSize);
            if (wrong != null) {
                return new FetchException(Reason.RANGE_IGNORED, "asked for " + request.range() + ", got Content-Range '"
                        + header + "', which " + wrong, status, null);
            }
            imageSize = imageSize < 0 ? answered.total() : imageSize;
            return sizeKnown();
        }
        long length = headers.getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
        imageSize = length >= 0 ? length : imageSize;
        return sizeKnown();
    }

    /** A partial download cannot go on without the image size. */
    private FetchException sizeKnown() {
        return imageSize >= 0 || !settings.http().partialDownload() ? null : new FetchException(
                Reason.NO_CONTENT_LENGTH, "the server did not say the image size (no Content-Length or Content-Range)",
                lastStatus, null);
    }

    private Mono<ByteBuffer> finishResponse(long received, long expected) {
        if (expected >= 0 && received < expected) {
            return Mono.error(new FetchException(Reason.INCOMPLETE, "body ended after " + received + " of "
                    + expected + " bytes", lastStatus, null));
        }
        if (!settings.http().partialDownload() || position >= imageSize) {
            complete = true;
        }
        return Mono.empty();
    }

    /**
     * HEAD for the size. When it does not say it (refused, as by S3 presigned GET URLs), the first GET asks for
     * {@code Range: bytes=0-0}.
     */
    private Mono<Void> head() {
        return exchange(HttpMethod.HEAD).doOnNext(head -> {
            long length = head.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
            if (head.status().code() == 200 && length >= 0) {
                imageSize = length;
                rememberValidator(head.responseHeaders(), true);
            }
        }).then();
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
                    if (isRedirect(lastStatus)) {
                        return Mono.error(redirectRefused(response));
                    }
                    return Mono.just(response);
                });
    }

    private static final FetchException AUTH_RETRY = new FetchException(Reason.UNAUTHORIZED, "retry", 401, null);

    /** Null for a 2xx (or another status taken as an answer); AUTH_RETRY to ask again with credentials. */
    private FetchException check(HttpClientResponse response) {
        int status = response.status().code();
        if (status == 401) {
            return authorization.retryAfter(response.responseHeaders()) ? AUTH_RETRY
                    : new FetchException(Reason.UNAUTHORIZED, authorization.refusal(), status, null);
        }
        if (isRedirect(status)) {
            return redirectRefused(response);
        }
        if (status == 304) {
            return new FetchException(Reason.NOT_MODIFIED, "304 Not Modified", status, null);
        }
        if (status == 416) {
            return new FetchException(Reason.RANGE_NOT_SATISFIABLE, "416 Range Not Satisfiable", status, null);
        }
        if (status >= 400) {
            return new FetchException(Reason.STATUS, "server answered " + status + " " + response.status()
                    .reasonPhrase(), status, null);
        }
        return null;
    }

    private void headers(HttpHeaders headers, String method, String range, boolean ifRange) {
        if (range != null) {
            headers.set(HttpHeaderNames.RANGE, range);
            if (ifRange && validator != null) {
                headers.set(HttpHeaderNames.IF_RANGE, validator);
            }
        }
        authorization.addTo(headers, method, settings.http().url());
        if (settings.http().requestHook() != null) {
            settings.http().requestHook().accept(method, headers);
        }
    }

    /** Keeps the image's validator for If-Range: the first one seen, or a new one with the image from byte 0. */
    private void rememberValidator(HttpHeaders headers, boolean fromStart) {
        String now = validatorOf(headers);
        if (validator == null || fromStart && now != null) {
            validator = now;
        }
    }

    /** Whether the answer is for another version of the image than the one the validator names. */
    private boolean changed(HttpHeaders headers) {
        String now = validatorOf(headers);
        return validator != null && now != null && !validator.equals(now);
    }

    /** A strong ETag, else Last-Modified: what If-Range accepts. */
    private static String validatorOf(HttpHeaders headers) {
        String etag = headers.get(HttpHeaderNames.ETAG);
        if (etag != null && !etag.startsWith("W/")) {
            return etag;
        }
        return headers.get(HttpHeaderNames.LAST_MODIFIED);
    }

    private static ByteBuffer copy(ByteBuf buf, IntFunction<ByteBuffer> buffers) {
        ByteBuffer bytes = buffers.apply(buf.readableBytes());
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes.flip();
    }

    /** Why a redirect that reached the pipeline was not followed: a downgrade to plain HTTP, or too many. */
    private FetchException redirectRefused(HttpClientResponse response) {
        int status = response.status().code();
        String target = downgrade(response, settings.http().allowHttp());
        if (target != null) {
            return new FetchException(Reason.INSECURE_REDIRECT, "refusing the redirect from " + response.resourceUrl()
                    + " to " + target + ": a downgrade from https to plain http needs allowHttp", status, null);
        }
        return new FetchException(Reason.MAX_REDIRECT, "more than " + settings.http().maxRedirects() + " redirects",
                status, null);
    }

    /** The plain-http URL a redirect from https points to, unless plain HTTP is allowed; else null. */
    private static String downgrade(HttpClientResponse response, boolean allowHttp) {
        String location = response.responseHeaders().get(HttpHeaderNames.LOCATION);
        if (allowHttp || location == null) {
            return null;
        }
        try {
            URI from = URI.create(response.resourceUrl());
            URI to = from.resolve(location.trim());
            return "https".equalsIgnoreCase(from.getScheme()) && "http".equalsIgnoreCase(to.getScheme())
                    ? to.toString() : null;
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    private static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
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
