package dev.flota.ota;

import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.http.Credentials;
import dev.flota.ota.http.HttpSettings;
import dev.flota.ota.http.ProxySettings;
import dev.flota.ota.http.Timeouts;
import dev.flota.ota.http.TlsContext;
import dev.flota.ota.http.TlsSettings;
import dev.flota.ota.http.TlsVersion;
import dev.flota.ota.pipeline.ImagePolicy;
import dev.flota.ota.target.OtaTarget;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
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

    /**
     * The image URL ({@code url}). Credentials in it ({@code https://user:password@host/...}) become the update's
     * credentials for a 401 and are removed from the URL, so they are neither sent unasked nor printed.
     */
    public HttpsOta url(String url) {
        URI uri = URI.create(url);
        if (uri.getRawUserInfo() == null) {
            return withHttp(h -> h.withUrl(uri));
        }
        String[] user = uri.getRawUserInfo().split(":", 2);
        URI bare;
        try {
            bare = new URI(uri.getScheme(), null, uri.getHost(), uri.getPort(), uri.getRawPath() == null ? null
                    : uri.getPath(), uri.getQuery(), uri.getFragment());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("bad URL: " + e.getMessage(), e);
        }
        return credentials(URLDecoder.decode(user[0], StandardCharsets.UTF_8), user.length > 1
                ? URLDecoder.decode(user[1], StandardCharsets.UTF_8) : "", settings.credentials()
                .maxAuthorizationRetries()).withHttp(h -> h.withUrl(bare));
    }

    /**
     * Go through this HTTP proxy ({@code http://[user:password@]host:port}), tunnelling every request with
     * {@code CONNECT}. Without it, the JVM's proxy properties ({@code https.proxyHost}, ...) apply.
     */
    public HttpsOta proxy(String proxyUrl) {
        ProxySettings proxy = ProxySettings.parse(proxyUrl);
        return withHttp(h -> h.withProxy(proxy));
    }

    /** Trust this PEM root CA ({@code cert_pem}) instead of the JDK trust store. */
    public HttpsOta caPem(String pem) {
        return withTls(settings.tls().withCaPem(pem));
    }

    /** Present this client certificate and PKCS#8 key (mutual TLS, {@code client_cert_pem}/{@code client_key_pem}). */
    public HttpsOta clientCertificate(String certPem, String keyPem) {
        return withTls(settings.tls().withClientCertificate(certPem, keyPem));
    }

    /**
     * Verify the server certificate against {@code name} instead of the URL's host ({@code common_name}), e.g. for a
     * server reached by IP address whose certificate names its DNS name.
     */
    public HttpsOta commonName(String name) {
        Objects.requireNonNull(name, "name");
        return withTls(settings.tls().withCommonName(name));
    }

    /**
     * Accept a trusted server certificate whatever name it carries ({@code skip_cert_common_name_check}). Off by
     * default; the chain is still verified, and a warning is logged when a context is built with it.
     */
    public HttpsOta skipCommonNameCheck(boolean skip) {
        return withTls(settings.tls().withSkipCommonNameCheck(skip));
    }

    /** The lowest TLS version accepted: 1.2 by default, or 1.3 only. */
    public HttpsOta minimumTlsVersion(TlsVersion version) {
        Objects.requireNonNull(version, "version");
        return withTls(settings.tls().withMinimumVersion(version));
    }

    /**
     * Allow plain {@code http://} URLs ({@code CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP}), and redirects from {@code https} to
     * {@code http}; off by default.
     */
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
    /**
     * {@code ota_resumption}: keeps a journal of the update in the target's NVS partition (namespace
     * {@code ota_resumption}, ESP-IDF's keys and Flota's) and, after a reboot, continues from the offset it records
     * instead of byte 0, when the flash still holds the committed bytes and the server's {@code If-Range} answer shows
     * the same image (a new URL for it, as presigned URLs get, still resumes). Plain and pre-encrypted images, whole
     * GET and partial download. A changed image starts again from 0, the bytes in flash counted as wasted. The journal
     * is cleared when the image is complete, when it is rejected, and when it does not match; a cancellation, a
     * network failure or a power cut keeps it. A target without resumption updates from 0 as without this option.
     */
    public HttpsOta resume(boolean resume) {
        return withFlash(f -> f.withResume(resume, f.resumeJournalInterval()));
    }

    /**
     * With {@link #resume(boolean)}: the journal is committed each time the image passes a multiple of {@code bytes}
     * (default 16 KiB, rounded down to a 4 KiB sector), and with partial download, when it is at most the request
     * size, also before each range.
     */
    public HttpsOta resumeJournalInterval(int bytes) {
        return withFlash(f -> f.withResume(f.resume(), bytes));
    }

    public HttpsOta maxRedirects(int redirects) {
        return withHttp(h -> h.withMaxRedirects(redirects));
    }

    /**
     * Credentials sent after a 401 ({@code username}/{@code password}), as Basic or, when the server asks for it,
     * Digest (SHA-256 or MD5), at most {@code retries} times.
     */
    public HttpsOta credentials(String username, String password, int retries) {
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
        return withImage(i -> i.withDecryptionKey(key));
    }

    /** Require a Secure Boot V2 signature by one of these keys (signed OTA without hardware secure boot). */
    public HttpsOta verifyKeys(List<SecureBootKey> keys) {
        return withImage(i -> i.withVerifyKeys(keys));
    }

    /** The caller's veto on an image, applied before the first erase. */
    public HttpsOta policy(ImagePolicy policy) {
        Objects.requireNonNull(policy, "policy");
        return withImage(i -> i.withPolicy(policy));
    }

    /**
     * Refuse an app whose {@code esp_app_desc_t.spi_flash_mode} differs from the running app's
     * ({@code CONFIG_ESP_HTTPS_OTA_VERIFY_SPI_MODE}, on by default as in ESP-IDF): {@link OtaError#SPI_MODE_MISMATCH}.
     */
    public HttpsOta verifySpiMode(boolean verify) {
        return withImage(i -> i.withVerifySpiMode(verify));
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
            OtaMetrics metrics = new OtaMetrics(settings.meterRegistry());
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
