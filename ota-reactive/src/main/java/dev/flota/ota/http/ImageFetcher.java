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
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;
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
 * the size learnt by HEAD or, when HEAD is refused, by {@code Range: bytes=0-0}. Every ranged answer must be a 206 with the exact {@code Content-Range} asked
 * for. A reset, a read timeout or a short body is retried with backoff from the next byte not yet delivered, with
 * {@code If-Range} so a changed image is detected instead of spliced. Demand flows back to the socket: bytes are read
 * only as fast as downstream requests them.
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
    private boolean authorize;
    private int authorizations;
    private boolean connected;

    private ImageFetcher(FetchSettings settings, FetchListener listener, HttpClient client,
            ConnectionProvider ownProvider) {
        this.settings = settings;
        this.listener = listener;
        this.client = client;
        this.ownProvider = ownProvider;
    }

    /**
     * A fetcher for one update. Without a shared connection provider in the settings, the update gets its own pool of
     * one connection, as a device has: each request waits for the previous one's connection to be released and
     * reuses it, so a partial download runs on one kept-alive connection.
     */
    public static ImageFetcher create(FetchSettings settings, FetchListener listener) {
        ConnectionProvider own = settings.http().connections() == null ? ConnectionProvider.builder("flota-update")
                .maxConnections(1).pendingAcquireMaxCount(-1).build() : null;
        HttpClient client = HttpClient.create(own != null ? own : settings.http().connections())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) settings.timeouts().connect().toMillis())
                .responseTimeout(settings.timeouts().read())
                .followRedirect((request, response) -> isRedirect(response.status().code())
                        && request.redirectedFrom().length < settings.http().maxRedirects());
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

    /** The status of the last response, else -1. */
    public int lastStatus() {
        return lastStatus;
    }

    /** True once every byte of the image was delivered ({@code esp_https_ota_is_complete_data_received}). */
    public boolean completeDataReceived() {
        return complete;
    }

    /** The image bytes from {@code start} to the end. */
    public Flux<ByteBuffer> fetch(long start) {
        return Flux.defer(() -> {
            if (!settings.http().https() && !settings.http().allowHttp()) {
                return Flux.error(new FetchException(Reason.INVALID_ARG, "plain HTTP (" + settings.http().url()
                        + ") needs allowHttp", -1, null));
            }
            position = start;
            complete = false;
            Mono<Void> admission = gated() ? settings.requestGate().apply(settings.http().maxRequestSize())
                    .doOnSuccess(v -> prepaid = true) : Mono.empty();
            Mono<Void> sizing = admission.then(settings.http().partialDownload() && imageSize < 0 ? discoverSize()
                    : Mono.empty());
            Flux<ByteBuffer> requests = Flux.defer(this::nextRequest)
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

    private Flux<ByteBuffer> nextRequest() {
        if (complete) {
            return Flux.empty();
        }
        long start = position;
        boolean partial = settings.http().partialDownload();
        boolean ranged = start > 0 || partial && imageSize > settings.http().maxRequestSize();
        long end = partial ? Math.min(imageSize, start + settings.http().maxRequestSize()) - 1 : imageSize - 1;
        String range = !ranged ? null : "bytes=" + start + "-" + (partial ? Long.toString(end) : "");
        Mono<Void> gate = !gated() ? Mono.empty() : prepaid ? Mono.fromRunnable(() -> prepaid = false)
                : settings.requestGate().apply(end - start + 1);
        return gate.thenMany(Flux.defer(() -> {
            listener.onRequest("GET");
            return send(range, ranged, partial, start, end);
        }));
    }

    /** A partial download under a shared budget: it connects and sends each request once the budget allows. */
    private boolean gated() {
        return settings.http().partialDownload() && settings.requestGate() != null;
    }

    private Flux<ByteBuffer> send(String range, boolean ranged, boolean partial, long start, long end) {
        return client.headers(h -> headers(h, "GET", range, ranged)).get().uri(settings.http().url())
                .response((response, body) -> {
                    int status = response.status().code();
                    lastStatus = status;
                    listener.onResponse(status);
                    FetchException problem = check(response, ranged, start, partial ? end : -1);
                    if (problem == AUTH_RETRY) {
                        return body.then(Mono.<ByteBuffer>empty());
                    }
                    if (problem != null) {
                        return Flux.error(problem);
                    }
                    long total = ranged ? totalOf(response) : response.responseHeaders().getInt(
                            HttpHeaderNames.CONTENT_LENGTH, -1);
                    if (imageSize < 0) {
                        imageSize = total;
                    }
                    rememberValidator(response.responseHeaders());
                    if (!connected) {
                        connected = true;
                        listener.onConnected(status, imageSize);
                    }
                    long expected = ranged && partial ? end - start + 1 : imageSize >= 0 ? imageSize - start : -1;
                    AtomicLong received = new AtomicLong();
                    return body.map(ImageFetcher::copy).doOnNext(bytes -> {
                        received.addAndGet(bytes.remaining());
                        position += bytes.remaining();
                        listener.onBytes(bytes.remaining());
                    }).concatWith(Mono.defer(() -> finishResponse(received.get(), expected)));
                })
                .onErrorMap(e -> !(e instanceof FetchException), ImageFetcher::translate);
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

    /** HEAD for the size; when HEAD is refused (as by S3 presigned GET URLs), {@code GET Range: bytes=0-0}. */
    private Mono<Void> discoverSize() {
        return exchange(HttpMethod.HEAD, null).flatMap(head -> {
            long length = head.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
            if (head.status().code() == 200 && length >= 0) {
                imageSize = length;
                rememberValidator(head.responseHeaders());
                return Mono.empty();
            }
            return exchange(HttpMethod.GET, "bytes=0-0").flatMap(probe -> {
                int status = probe.status().code();
                if (status == 206) {
                    imageSize = totalOf(probe);
                } else if (status == 200) {
                    imageSize = probe.responseHeaders().getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
                } else {
                    FetchException problem = check(probe, false, 0, -1);
                    return Mono.error(problem != null ? problem : new FetchException(Reason.STATUS,
                            "unexpected status " + status + " to bytes=0-0", status, null));
                }
                rememberValidator(probe.responseHeaders());
                return Mono.empty();
            });
        }).then(Mono.defer(() -> imageSize < 0 ? Mono.error(new FetchException(Reason.NO_CONTENT_LENGTH,
                "the server did not say the image size (no Content-Length or Content-Range)", lastStatus, null))
                : Mono.<Void>empty()));
    }

    /** One request whose body is drained, following 401 with credentials. */
    private Mono<HttpClientResponse> exchange(HttpMethod method, String range) {
        listener.onRequest(method.name());
        return client.headers(h -> headers(h, method.name(), range, false)).request(method).uri(settings.http().url())
                .responseSingle((response, body) -> body.then(Mono.just(response)))
                .onErrorMap(e -> !(e instanceof FetchException), ImageFetcher::translate)
                .flatMap(response -> {
                    lastStatus = response.status().code();
                    listener.onResponse(lastStatus);
                    if (lastStatus == 401 && mayAuthorize()) {
                        return exchange(method, range);
                    }
                    if (isRedirect(lastStatus)) {
                        return Mono.error(new FetchException(Reason.MAX_REDIRECT, "more than "
                                + settings.http().maxRedirects() + " redirects", lastStatus, null));
                    }
                    return Mono.just(response);
                });
    }

    private static final FetchException AUTH_RETRY = new FetchException(Reason.UNAUTHORIZED, "retry", 401, null);

    /** Null when the response carries image bytes as asked; AUTH_RETRY to ask again with credentials. */
    private FetchException check(HttpClientResponse response, boolean ranged, long start, long end) {
        int status = response.status().code();
        if (status == 401) {
            return mayAuthorize() ? AUTH_RETRY : new FetchException(Reason.UNAUTHORIZED,
                    "401 Unauthorized" + (settings.credentials().username() == null ? " and no credentials configured"
                            : " after " + authorizations + " attempts with credentials"), status, null);
        }
        if (isRedirect(status)) {
            return new FetchException(Reason.MAX_REDIRECT, "more than " + settings.http().maxRedirects() + " redirects",
                    status, null);
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
        if (!ranged) {
            return null;
        }
        if (status != 206) {
            String now = validatorOf(response.responseHeaders());
            boolean changed = validator != null && now != null && !validator.equals(now);
            return new FetchException(changed ? Reason.IMAGE_CHANGED : Reason.RANGE_IGNORED, changed
                    ? "the image changed on the server (validator " + validator + " is now " + now + ")"
                    : "asked for a range, got " + status + ": the server ignores Range", status, null);
        }
        String header = response.responseHeaders().get(HttpHeaderNames.CONTENT_RANGE, "");
        ContentRange answered = ContentRange.parse(header);
        String wrong = answered == null ? "is malformed" : answered.mismatch(start, end, imageSize);
        return wrong == null ? null : new FetchException(Reason.RANGE_IGNORED, "asked for bytes " + start + "-"
                + (end < 0 ? "" : end) + ", got Content-Range '" + header + "', which " + wrong, status, null);
    }

    private boolean mayAuthorize() {
        int cap = settings.credentials().maxAuthorizationRetries();
        if (settings.credentials().username() == null || authorizations >= cap) {
            return false;
        }
        authorizations++;
        authorize = true;
        return true;
    }

    private void headers(HttpHeaders headers, String method, String range, boolean ifRange) {
        if (range != null) {
            headers.set(HttpHeaderNames.RANGE, range);
            if (ifRange && validator != null) {
                headers.set(HttpHeaderNames.IF_RANGE, validator);
            }
        }
        if (authorize) {
            String token = settings.credentials().username() + ":" + settings.credentials().password();
            headers.set(HttpHeaderNames.AUTHORIZATION, "Basic "
                    + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
        if (settings.http().requestHook() != null) {
            settings.http().requestHook().accept(method, headers);
        }
    }

    private void rememberValidator(HttpHeaders headers) {
        if (validator == null) {
            validator = validatorOf(headers);
        }
    }

    /** A strong ETag, else Last-Modified: what If-Range accepts. */
    private static String validatorOf(HttpHeaders headers) {
        String etag = headers.get(HttpHeaderNames.ETAG);
        if (etag != null && !etag.startsWith("W/")) {
            return etag;
        }
        return headers.get(HttpHeaderNames.LAST_MODIFIED);
    }

    private static long totalOf(HttpClientResponse response) {
        ContentRange range = ContentRange.parse(response.responseHeaders().get(HttpHeaderNames.CONTENT_RANGE));
        return range == null ? -1 : range.total();
    }

    private static ByteBuffer copy(ByteBuf buf) {
        ByteBuffer bytes = ByteBuffer.allocate(buf.readableBytes());
        buf.getBytes(buf.readerIndex(), bytes);
        return bytes.flip();
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
