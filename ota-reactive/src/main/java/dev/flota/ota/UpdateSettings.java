package dev.flota.ota;

import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.http.TlsSettings;
import dev.flota.ota.pipeline.ImagePolicy;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.function.BiConsumer;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;
import reactor.netty.resources.ConnectionProvider;

/** The mutable bag behind {@link HttpsOta}'s immutable API: each fluent call copies it. Never shared. */
final class UpdateSettings implements Cloneable {

    static final Scheduler DEFAULT_FLASH_SCHEDULER = Schedulers.newBoundedElastic(
            Math.max(4, Runtime.getRuntime().availableProcessors() * 2), Integer.MAX_VALUE, "flota-flash", 60, true);

    URI url;
    TlsSettings tls = TlsSettings.jdkTrustStore();
    boolean allowHttp;
    boolean partialHttpDownload;
    int maxHttpRequestSize = 64 * 1024;
    boolean bulkFlashErase;
    int maxRedirects = 10;
    String username;
    String password;
    int maxAuthorizationRetries = 10;
    Duration connectTimeout = Duration.ofSeconds(10);
    Duration readTimeout = Duration.ofSeconds(5);
    Duration deadline = Duration.ofMinutes(10);
    int maxRetries = 5;
    Duration minBackoff = Duration.ofMillis(100);
    Duration maxBackoff = Duration.ofSeconds(5);
    int maxImageRestarts = 2;
    BiConsumer<String, HttpHeaders> requestHook;
    DecryptionKey decryptionKey;
    List<SecureBootKey> verifyKeys = List.of();
    ImagePolicy policy = ImagePolicy.acceptAll();
    String stagingPartition;
    String finalPartition;
    boolean finalizeWithCopy;
    MeterRegistry meterRegistry;
    ObservationRegistry observationRegistry;
    Scheduler flashScheduler = DEFAULT_FLASH_SCHEDULER;
    Scheduler timer = Schedulers.parallel();
    ConnectionProvider connections;
    boolean realFlashTiming;
    int maxBufferedBytes = 64 * 1024;
    BufferBudget bufferBudget;

    UpdateSettings copy() {
        try {
            return (UpdateSettings) clone();
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }
}
