package dev.flota.ota.http;

import java.util.Objects;
import java.util.function.LongFunction;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * Everything one image fetch needs, grouped by concern so that no two settings can be swapped by mistake.
 *
 * @param http        URL, partial download, redirects, request hook, connection pool
 * @param timeouts    connect and read timeouts (the deadline is the update's)
 * @param retries     retries after a reset, timeout or truncated body
 * @param credentials Basic credentials for a 401
 * @param tls         trust, client certificate and the context built from them
 * @param timer       where retry delays run (virtual time in tests)
 * @param requestGate for a partial download, given each ranged request's size before it is sent (and the request
 *                    size before the first connection); the request waits for the returned Mono (a shared buffer
 *                    budget); null for none
 * @param journalGate given the image offset each GET starts at (the size probe aside), before {@code requestGate};
 *                    the request waits for the returned Mono (the resume journal covering the bytes before it); null
 *                    for none
 * @param maxChunkSize the largest body chunk handed on (the HTTP decoder's {@code maxChunkSize})
 */
public record FetchSettings(HttpSettings http, Timeouts timeouts, RetrySettings retries, Credentials credentials,
        TlsContext tls, Scheduler timer, LongFunction<Mono<Void>> requestGate, LongFunction<Mono<Void>> journalGate,
        int maxChunkSize) {

    public FetchSettings {
        Objects.requireNonNull(http.url(), "url");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(retries, "retries");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(timer, "timer");
        if (maxChunkSize < 1) {
            throw new IllegalArgumentException("maxChunkSize must be positive, got " + maxChunkSize);
        }
    }
}
