package dev.flota.ota.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.LongFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.resources.ConnectionProvider;

/**
 * Everything the image fetch needs: the URL, partial download, redirects, credentials, timeouts, retries, TLS and a
 * per-request hook. Built by {@code HttpsOta}'s fluent configuration.
 *
 * @param url                     the image URL
 * @param partialDownload         ranged requests of at most {@code maxRequestSize} bytes
 * @param maxRequestSize          {@code max_http_request_size}
 * @param maxRedirects            {@code max_redirection_count}
 * @param username                Basic credentials, or null
 * @param password                Basic credentials, or null
 * @param maxAuthorizationRetries how often a 401 is answered with credentials
 * @param connectTimeout          TCP connect
 * @param readTimeout             longest silence while reading a response
 * @param maxRetries              consecutive retries after a reset, timeout or truncated body
 * @param minBackoff              first retry delay, doubling up to {@code maxBackoff}
 * @param maxBackoff              longest retry delay
 * @param allowHttp               whether {@code http://} is allowed at all
 * @param tls                     trust and client certificate
 * @param requestHook             called for every request with its method, URI and headers (like
 *                                {@code http_client_init_cb}): add {@code If-None-Match}, tokens, ...
 * @param connectionProvider      a shared connection pool, or null for one connection per update (as a device)
 * @param timer                   where retry delays run (virtual time in tests)
 * @param requestGate             for a partial download, given each ranged request's size before it is sent (and
 *                                the request size before the first connection); the request waits for the returned
 *                                Mono (a shared buffer budget); null for none
 */
public record FetchSettings(URI url, boolean partialDownload, int maxRequestSize, int maxRedirects, String username,
        String password, int maxAuthorizationRetries, Duration connectTimeout, Duration readTimeout, int maxRetries,
        Duration minBackoff, Duration maxBackoff, boolean allowHttp, TlsSettings tls,
        BiConsumer<String, HttpHeaders> requestHook, ConnectionProvider connectionProvider, Scheduler timer,
        LongFunction<Mono<Void>> requestGate) {

    public FetchSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(timer, "timer");
        if (maxRequestSize <= 0) {
            throw new IllegalArgumentException("maxRequestSize must be positive");
        }
    }

    boolean https() {
        return "https".equalsIgnoreCase(url.getScheme());
    }
}
