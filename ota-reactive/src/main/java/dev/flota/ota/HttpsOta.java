package dev.flota.ota;

import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.http.Credentials;
import dev.flota.ota.http.HttpSettings;
import dev.flota.ota.http.RetrySettings;
import dev.flota.ota.http.Timeouts;
import dev.flota.ota.http.TlsContext;
import dev.flota.ota.http.TlsSettings;
import dev.flota.ota.pipeline.ImagePolicy;
import dev.flota.ota.target.OtaTarget;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.UnaryOperator;
import reactor.core.Disposable;
import reactor.core.observability.micrometer.Micrometer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.scheduler.Scheduler;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@code esp_https_ota} as a Reactor pipeline. Configure once, immutably and fluently (each call returns a copy, as
 * Reactor Netty's clients do), then {@link #update(OtaTarget)} returns a cold {@code Flux<OtaEvent>}: subscribing
 * starts the update, cancelling aborts it, and a failure is an {@link OtaException} after an {@link OtaEvent.Aborted}
 * event. Whatever fails, otadata and the running partition are untouched; the boot partition changes only after the
 * whole image verified. The target is any {@link OtaTarget}: the simulated device
 * ({@code dev.flota.ota.sim.SimulatedTarget}), a chip, or your own.
 *
 * <pre>{@code
 * HttpsOta.create().url("https://fw.example/app.bin").caPem(ca).partialHttpDownload(true)
 *         .update(SimulatedTarget.of(device)).doOnNext(System.out::println).blockLast();
 * }</pre>
 *
 * <p>The TLS context is built once per TLS configuration and belongs to this instance and the copies made from it.
 */
public final class HttpsOta {

    private static final MeterRegistry NO_METRICS = new CompositeMeterRegistry();

    private final UpdateSettings settings;
    private final TlsContext tls;

    private HttpsOta(UpdateSettings settings, TlsContext tls) {
        this.settings = settings;
        this.tls = tls;
    }

    public static HttpsOta create() {
        UpdateSettings defaults = UpdateSettings.defaults();
        return new HttpsOta(defaults, TlsContext.of(defaults.tls()));
    }

    /** The configuration, as immutable values. */
    public UpdateSettings configuration() {
        return settings;
    }

    private HttpsOta with(UnaryOperator<UpdateSettings> change) {
        return new HttpsOta(change.apply(settings), tls);
    }

    private HttpsOta withTls(TlsSettings changed) {
        return new HttpsOta(settings.withTls(changed), TlsContext.of(changed));
    }

    private HttpsOta withHttp(UnaryOperator<HttpSettings> change) {
        return with(s -> s.withHttp(change.apply(s.http())));
    }

    private HttpsOta withFlash(UnaryOperator<FlashSettings> change) {
        return with(s -> s.withFlash(change.apply(s.flash())));
    }

    private HttpsOta withImage(UnaryOperator<ImageSettings> change) {
        return with(s -> s.withImage(change.apply(s.image())));
    }

    /** The image URL ({@code url}). */
    public HttpsOta url(String url) {
        URI uri = URI.create(url);
        return withHttp(h -> h.withUrl(uri));
    }

    /** Trust this PEM root CA ({@code cert_pem}) instead of the JDK trust store. */
    public HttpsOta caPem(String pem) {
        return withTls(settings.tls().withCaPem(pem));
    }

    /** Present this client certificate and PKCS#8 key (mutual TLS, {@code client_cert_pem}/{@code client_key_pem}). */
    public HttpsOta clientCertificate(String certPem, String keyPem) {
        return withTls(settings.tls().withClientCertificate(certPem, keyPem));
    }

    /** Allow plain {@code http://} URLs ({@code CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP}); off by default. */
    public HttpsOta allowHttp(boolean allow) {
        return withHttp(h -> h.withAllowHttp(allow));
    }

    /** Ranged requests ({@code partial_http_download}); an image that fits in one is fetched with one plain GET. */
    public HttpsOta partialHttpDownload(boolean partial) {
        return withHttp(h -> h.withPartialDownload(partial));
    }

    /** Largest ranged request ({@code max_http_request_size}, default 64 KiB). */
    public HttpsOta maxHttpRequestSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxHttpRequestSize must be positive");
        }
        return withHttp(h -> h.withMaxRequestSize(bytes));
    }

    /** Erase the image's sectors at begin instead of as they are reached ({@code bulk_flash_erase}). */
    public HttpsOta bulkFlashErase(boolean bulk) {
        return withFlash(f -> f.withBulkErase(bulk));
    }

    /** Redirects to follow ({@code max_redirection_count}, default 10). */
    public HttpsOta maxRedirects(int redirects) {
        return withHttp(h -> h.withMaxRedirects(redirects));
    }

    /** Basic credentials sent after a 401 ({@code username}/{@code password}), at most {@code retries} times. */
    public HttpsOta basicAuth(String username, String password, int retries) {
        Credentials credentials = Credentials.basic(username, password, retries);
        return with(s -> s.withCredentials(credentials));
    }

    /**
     * Connect timeout (TCP connect, and again the TLS handshake), read timeout between bytes ({@code timeout_ms}) and
     * a deadline for the whole update.
     */
    public HttpsOta timeouts(Duration connect, Duration read, Duration deadline) {
        Timeouts timeouts = new Timeouts(connect, read, deadline);
        return with(s -> s.withTimeouts(timeouts));
    }

    /** Retries after a reset, read timeout or short body (consecutive, with exponential backoff). */
    public HttpsOta retries(int maxRetries, Duration minBackoff, Duration maxBackoff) {
        return with(s -> s.withRetries(s.retries().withBackoff(maxRetries, minBackoff, maxBackoff)));
    }

    /** Called with the method and headers of every request ({@code http_client_init_cb}). */
    public HttpsOta requestHook(BiConsumer<String, HttpHeaders> hook) {
        return withHttp(h -> h.withRequestHook(hook));
    }

    /** Decrypt a pre-encrypted image ({@code esp_encrypted_img}) with the device's key. */
    public HttpsOta decryptionKey(DecryptionKey key) {
        return withImage(i -> new ImageSettings(key, i.verifyKeys(), i.policy()));
    }

    /** Require a Secure Boot V2 signature by one of these keys (signed OTA without hardware secure boot). */
    public HttpsOta verifyKeys(List<SecureBootKey> keys) {
        return withImage(i -> new ImageSettings(i.decryptionKey(), keys, i.policy()));
    }

    /** The caller's veto on an image, applied before the first erase. */
    public HttpsOta policy(ImagePolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return withImage(i -> new ImageSettings(i.decryptionKey(), i.verifyKeys(), policy));
    }

    /** Write into {@code staging} and treat the update as one for {@code finalLabel} ({@code partition.staging/final}). */
    public HttpsOta partitions(String staging, String finalLabel, boolean finalizeWithCopy) {
        return withFlash(f -> f.withPartitions(staging, finalLabel, finalizeWithCopy));
    }

    public HttpsOta meterRegistry(MeterRegistry registry) {
        return with(s -> s.withMeterRegistry(registry));
    }

    /** One Observation per update (tracing bridges pick it up). */
    public HttpsOta observationRegistry(ObservationRegistry registry) {
        return with(s -> s.withObservationRegistry(registry));
    }

    /** Where target calls that may block run (bounded; never an event loop). */
    public HttpsOta flashScheduler(Scheduler scheduler) {
        Objects.requireNonNull(scheduler, "scheduler");
        return withFlash(f -> f.withScheduler(scheduler));
    }

    /** Where timers (retry backoff, deadline) run; a virtual-time scheduler in tests. */
    public HttpsOta timer(Scheduler scheduler) {
        Objects.requireNonNull(scheduler, "scheduler");
        return with(s -> s.withTimer(scheduler));
    }

    /** Share this connection pool between updates; by default each update has one connection of its own. */
    public HttpsOta connectionProvider(ConnectionProvider provider) {
        Objects.requireNonNull(provider, "provider");
        return withHttp(h -> h.withConnections(provider));
    }

    /** Wait the target's pacing (the flash timing model's datasheet time) after each write, without blocking. */
    public HttpsOta realFlashTiming(boolean real) {
        return withFlash(f -> f.withRealTiming(real));
    }

    /**
     * How many fetched bytes may be queued for the flash per update (default 64 KiB, at least 2 KiB): network chunks
     * are cut into views and only this much is requested ahead (besides the chunk being cut up, at most one TLS record
     * or socket read). Lower it for very large fleets in one JVM.
     */
    public HttpsOta maxBufferedBytes(int bytes) {
        BufferSettings buffering = new BufferSettings(bytes, settings.buffering().budget());
        return with(s -> s.withBuffering(buffering));
    }

    /**
     * A buffer budget shared with other updates (see {@link BufferBudget}): a partial download connects, and sends
     * each ranged request, once the budget holds its bytes. Without one (the default), only
     * {@link #maxBufferedBytes(int)} bounds what an update holds.
     */
    public HttpsOta bufferBudget(BufferBudget budget) {
        Objects.requireNonNull(budget, "budget");
        return with(s -> s.withBuffering(new BufferSettings(s.buffering().maxBufferedBytes(), budget)));
    }

    /** Updates {@code target}: cold, one update per subscription. */
    public Flux<OtaEvent> update(OtaTarget target) {
        return update(target, null);
    }

    /**
     * Updates {@code target} at the pace of {@code steps}: a chunk is written only when a step allows it, and the
     * boot partition switches only after {@link UpdateSteps#finish()}. What the ESP-style handle is built on.
     */
    public Flux<OtaEvent> update(OtaTarget target, UpdateSteps steps) {
        Objects.requireNonNull(target, "target");
        if (settings.http().url() == null) {
            return Flux.error(new OtaException(OtaError.INVALID_ARG, "no URL configured"));
        }
        Flux<OtaEvent> events = Flux.create(sink -> {
            OtaMetrics metrics = new OtaMetrics(settings.meterRegistry() != null ? settings.meterRegistry()
                    : NO_METRICS);
            UpdateRun run = new UpdateRun(settings, tls, target, sink::next, metrics, steps);
            Disposable execution = run.run().subscribe(null, failure -> {
                OtaException cause = (OtaException) failure;
                sink.next(new OtaEvent.Aborted(cause));
                sink.error(cause);
            }, sink::complete);
            sink.onDispose(execution);
        }, FluxSink.OverflowStrategy.BUFFER);
        if (settings.observationRegistry() != null) {
            events = events.name("flota.ota.update")
                    .tag("partial", Boolean.toString(settings.http().partialDownload()))
                    .tag("encrypted", Boolean.toString(settings.image().decrypts()))
                    .tap(Micrometer.observation(settings.observationRegistry()));
        }
        return events;
    }

    /** The ESP-style imperative handle on the same pipeline ({@code esp_https_ota_begin} ...). */
    public EspHttpsOtaHandle begin(OtaTarget target) {
        return EspHttpsOtaHandle.begin(this, target);
    }

    /**
     * The partitions an update of {@code target} with this configuration writes and is for: the configured staging
     * partition or the next OTA slot, and the configured final partition or the staging one.
     *
     * @throws OtaException {@code NOT_FOUND} when the table has no such partition
     */
    public UpdatePartitions partitionsOn(OtaTarget target) {
        return UpdatePartitions.of(settings.flash(), target);
    }

    @Override
    public String toString() {
        return "HttpsOta[" + settings + "]";
    }
}
