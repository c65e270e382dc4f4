package dev.flota.ota;

import dev.flota.flash.device.Device;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.http.TlsSettings;
import dev.flota.ota.pipeline.ImagePolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import reactor.core.Disposable;
import reactor.core.observability.micrometer.Micrometer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.netty.resources.ConnectionProvider;

/**
 * {@code esp_https_ota} as a Reactor pipeline. Configure once, immutably and fluently (each call returns a copy, as
 * Reactor Netty's clients do), then {@link #update(Device)} returns a cold {@code Flux<OtaEvent>}: subscribing starts
 * the update, cancelling aborts it, and a failure is an {@link OtaException} after an {@link OtaEvent.Aborted} event.
 * Whatever fails, otadata and the running partition are untouched; the boot partition changes only after the whole
 * image verified.
 *
 * <pre>{@code
 * HttpsOta.create().url("https://fw.example/app.bin").caPem(ca).partialHttpDownload(true)
 *         .update(device).doOnNext(System.out::println).blockLast();
 * }</pre>
 */
public final class HttpsOta {

    private final UpdateSettings settings;

    private HttpsOta(UpdateSettings settings) {
        this.settings = settings;
    }

    public static HttpsOta create() {
        return new HttpsOta(new UpdateSettings());
    }

    private HttpsOta with(Consumer<UpdateSettings> change) {
        UpdateSettings copy = settings.copy();
        change.accept(copy);
        return new HttpsOta(copy);
    }

    /** The image URL ({@code url}). */
    public HttpsOta url(String url) {
        URI uri = URI.create(url);
        return with(s -> s.url = uri);
    }

    /** Trust this PEM root CA ({@code cert_pem}) instead of the JDK trust store. */
    public HttpsOta caPem(String pem) {
        return with(s -> s.tls = new TlsSettings(pem, s.tls.clientCertPem(), s.tls.clientKeyPem()));
    }

    /** Present this client certificate and PKCS#8 key (mutual TLS, {@code client_cert_pem}/{@code client_key_pem}). */
    public HttpsOta clientCertificate(String certPem, String keyPem) {
        return with(s -> s.tls = new TlsSettings(s.tls.caPem(), certPem, keyPem));
    }

    /** Allow plain {@code http://} URLs ({@code CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP}); off by default. */
    public HttpsOta allowHttp(boolean allow) {
        return with(s -> s.allowHttp = allow);
    }

    /** Ranged requests ({@code partial_http_download}). */
    public HttpsOta partialHttpDownload(boolean partial) {
        return with(s -> s.partialHttpDownload = partial);
    }

    /** Largest ranged request ({@code max_http_request_size}, default 64 KiB). */
    public HttpsOta maxHttpRequestSize(int bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("maxHttpRequestSize must be positive");
        }
        return with(s -> s.maxHttpRequestSize = bytes);
    }

    /** Erase the image's sectors at begin instead of as they are reached ({@code bulk_flash_erase}). */
    public HttpsOta bulkFlashErase(boolean bulk) {
        return with(s -> s.bulkFlashErase = bulk);
    }

    /** Redirects to follow ({@code max_redirection_count}, default 10). */
    public HttpsOta maxRedirects(int redirects) {
        return with(s -> s.maxRedirects = redirects);
    }

    /** Basic credentials sent after a 401 ({@code username}/{@code password}), at most {@code retries} times. */
    public HttpsOta basicAuth(String username, String password, int retries) {
        return with(s -> {
            s.username = Objects.requireNonNull(username);
            s.password = Objects.requireNonNull(password);
            s.maxAuthorizationRetries = retries;
        });
    }

    /**
     * Connect timeout (TCP connect, and again the TLS handshake), read timeout between bytes ({@code timeout_ms}) and
     * a deadline for the whole update.
     */
    public HttpsOta timeouts(Duration connect, Duration read, Duration deadline) {
        return with(s -> {
            s.connectTimeout = Objects.requireNonNull(connect);
            s.readTimeout = Objects.requireNonNull(read);
            s.deadline = Objects.requireNonNull(deadline);
        });
    }

    /** Retries after a reset, read timeout or short body (consecutive, with exponential backoff). */
    public HttpsOta retries(int maxRetries, Duration minBackoff, Duration maxBackoff) {
        return with(s -> {
            s.maxRetries = maxRetries;
            s.minBackoff = minBackoff;
            s.maxBackoff = maxBackoff;
        });
    }

    /** Called with the method and headers of every request ({@code http_client_init_cb}). */
    public HttpsOta requestHook(BiConsumer<String, HttpHeaders> hook) {
        return with(s -> s.requestHook = hook);
    }

    /** Decrypt a pre-encrypted image ({@code esp_encrypted_img}) with the device's key. */
    public HttpsOta decryptionKey(DecryptionKey key) {
        return with(s -> s.decryptionKey = key);
    }

    /** Require a Secure Boot V2 signature by one of these keys (signed OTA without hardware secure boot). */
    public HttpsOta verifyKeys(List<SecureBootKey> keys) {
        return with(s -> s.verifyKeys = List.copyOf(keys));
    }

    /** The caller's veto on an image, applied before the first erase. */
    public HttpsOta policy(ImagePolicy policy) {
        return with(s -> s.policy = Objects.requireNonNull(policy));
    }

    /** Write into {@code staging} and treat the update as one for {@code finalLabel} ({@code partition.staging/final}). */
    public HttpsOta partitions(String staging, String finalLabel, boolean finalizeWithCopy) {
        return with(s -> {
            s.stagingPartition = staging;
            s.finalPartition = finalLabel;
            s.finalizeWithCopy = finalizeWithCopy;
        });
    }

    public HttpsOta meterRegistry(MeterRegistry registry) {
        return with(s -> s.meterRegistry = registry);
    }

    /** One Observation per update (tracing bridges pick it up). */
    public HttpsOta observationRegistry(ObservationRegistry registry) {
        return with(s -> s.observationRegistry = registry);
    }

    /** Where flash calls run (bounded; never an event loop). */
    public HttpsOta flashScheduler(Scheduler scheduler) {
        return with(s -> s.flashScheduler = Objects.requireNonNull(scheduler));
    }

    /** Where timers (retry backoff, deadline) run; a virtual-time scheduler in tests. */
    public HttpsOta timer(Scheduler scheduler) {
        return with(s -> s.timer = Objects.requireNonNull(scheduler));
    }

    /** Share this connection pool between updates; by default each update has one connection of its own. */
    public HttpsOta connectionProvider(ConnectionProvider provider) {
        return with(s -> s.connections = Objects.requireNonNull(provider));
    }

    /** Wait the flash timing model's datasheet time after each write (non-blocking). */
    public HttpsOta realFlashTiming(boolean real) {
        return with(s -> s.realFlashTiming = real);
    }

    /**
     * How many fetched bytes may be queued for the flash per update (default 64 KiB, at least 2 KiB): network chunks
     * are cut into views and only this much is requested ahead (besides the chunk being cut up, at most one TLS record
     * or socket read). Lower it for very large fleets in one JVM.
     */
    public HttpsOta maxBufferedBytes(int bytes) {
        if (bytes < 2048) {
            throw new IllegalArgumentException("maxBufferedBytes must be at least 2 KiB");
        }
        return with(s -> s.maxBufferedBytes = bytes);
    }

    /**
     * A buffer budget shared with other updates (see {@link BufferBudget}): a partial download connects, and sends
     * each ranged request, once the budget holds its bytes. Without one (the default), only
     * {@link #maxBufferedBytes(int)} bounds what an update holds.
     */
    public HttpsOta bufferBudget(BufferBudget budget) {
        return with(s -> s.bufferBudget = Objects.requireNonNull(budget, "budget"));
    }

    /** Updates {@code device}: cold, one update per subscription. */
    public Flux<OtaEvent> update(Device device) {
        return events(device, Mono.empty(), run -> { });
    }

    /** The ESP-style imperative handle on the same pipeline ({@code esp_https_ota_begin} ...). */
    public EspHttpsOtaHandle begin(Device device) {
        return EspHttpsOtaHandle.begin(this, device);
    }

    Flux<OtaEvent> events(Device device, Mono<Void> gate, Consumer<UpdateRun> started) {
        Objects.requireNonNull(device, "device");
        if (settings.url == null) {
            return Flux.error(new OtaException(OtaError.INVALID_ARG, "no URL configured"));
        }
        Flux<OtaEvent> events = Flux.create(sink -> {
            OtaMetrics metrics = new OtaMetrics(settings.meterRegistry != null ? settings.meterRegistry
                    : NO_METRICS);
            UpdateRun run = new UpdateRun(settings, device, sink::next, metrics, gate);
            started.accept(run);
            Disposable execution = run.run().subscribe(null, failure -> {
                OtaException cause = (OtaException) failure;
                sink.next(new OtaEvent.Aborted(cause));
                sink.error(cause);
            }, sink::complete);
            sink.onDispose(execution);
        }, FluxSink.OverflowStrategy.BUFFER);
        if (settings.observationRegistry != null) {
            events = events.name("flota.ota.update").tag("partial", Boolean.toString(settings.partialHttpDownload))
                    .tag("encrypted", Boolean.toString(settings.decryptionKey != null))
                    .tap(Micrometer.observation(settings.observationRegistry));
        }
        return events;
    }

    private static final MeterRegistry NO_METRICS = new CompositeMeterRegistry();
}
