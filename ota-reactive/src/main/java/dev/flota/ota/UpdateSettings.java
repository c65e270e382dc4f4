package dev.flota.ota;

import dev.flota.ota.http.Credentials;
import dev.flota.ota.http.HttpSettings;
import dev.flota.ota.http.RetrySettings;
import dev.flota.ota.http.Timeouts;
import dev.flota.ota.http.TlsSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import java.util.Objects;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The whole configuration of an {@link HttpsOta}, as {@link HttpsOta#configuration()} shows it: immutable values by
 * concern (HTTP, timeouts, retries, credentials, TLS, image, flash, buffering) and where meters, observations and
 * timers go. Nothing here prints a secret.
 *
 * @param meterRegistry       where meters go, or null for none
 * @param observationRegistry where each update's Observation goes, or null for none
 * @param timer               where retry backoff and the deadline run
 */
public record UpdateSettings(HttpSettings http, Timeouts timeouts, RetrySettings retries, Credentials credentials,
        TlsSettings tls, ImageSettings image, FlashSettings flash, BufferSettings buffering,
        MeterRegistry meterRegistry, ObservationRegistry observationRegistry, Scheduler timer) {

    public UpdateSettings {
        Objects.requireNonNull(http, "http");
        Objects.requireNonNull(timeouts, "timeouts");
        Objects.requireNonNull(retries, "retries");
        Objects.requireNonNull(credentials, "credentials");
        Objects.requireNonNull(tls, "tls");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(flash, "flash");
        Objects.requireNonNull(buffering, "buffering");
        Objects.requireNonNull(timer, "timer");
    }

    static UpdateSettings defaults() {
        return new UpdateSettings(HttpSettings.defaults(), Timeouts.defaults(), RetrySettings.defaults(),
                Credentials.NONE, TlsSettings.jdkTrustStore(), ImageSettings.defaults(), FlashSettings.defaults(),
                BufferSettings.defaults(), null, null, Schedulers.parallel());
    }

    UpdateSettings withHttp(HttpSettings value) {
        return new UpdateSettings(value, timeouts, retries, credentials, tls, image, flash, buffering, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withTimeouts(Timeouts value) {
        return new UpdateSettings(http, value, retries, credentials, tls, image, flash, buffering, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withRetries(RetrySettings value) {
        return new UpdateSettings(http, timeouts, value, credentials, tls, image, flash, buffering, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withCredentials(Credentials value) {
        return new UpdateSettings(http, timeouts, retries, value, tls, image, flash, buffering, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withTls(TlsSettings value) {
        return new UpdateSettings(http, timeouts, retries, credentials, value, image, flash, buffering, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withImage(ImageSettings value) {
        return new UpdateSettings(http, timeouts, retries, credentials, tls, value, flash, buffering, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withFlash(FlashSettings value) {
        return new UpdateSettings(http, timeouts, retries, credentials, tls, image, value, buffering, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withBuffering(BufferSettings value) {
        return new UpdateSettings(http, timeouts, retries, credentials, tls, image, flash, value, meterRegistry,
                observationRegistry, timer);
    }

    UpdateSettings withMeterRegistry(MeterRegistry value) {
        return new UpdateSettings(http, timeouts, retries, credentials, tls, image, flash, buffering, value,
                observationRegistry, timer);
    }

    UpdateSettings withObservationRegistry(ObservationRegistry value) {
        return new UpdateSettings(http, timeouts, retries, credentials, tls, image, flash, buffering, meterRegistry,
                value, timer);
    }

    UpdateSettings withTimer(Scheduler value) {
        return new UpdateSettings(http, timeouts, retries, credentials, tls, image, flash, buffering, meterRegistry,
                observationRegistry, value);
    }
}
