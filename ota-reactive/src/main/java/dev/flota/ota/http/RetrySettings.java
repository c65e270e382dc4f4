package dev.flota.ota.http;

import java.time.Duration;
import java.util.Objects;

/**
 * What an update does after a broken request: how many consecutive retries after a reset, read timeout or short
 * body, with exponential backoff, and how many times it starts the image again when the server's image changed or
 * the server answered a range after byte 0 with the whole image.
 *
 * @param maxRetries       consecutive retries of a request
 * @param minBackoff       first retry delay, doubling up to {@code maxBackoff}
 * @param maxBackoff       longest retry delay
 * @param maxImageRestarts how often the download starts again from byte 0 (a changed image, an ignored Range)
 */
public record RetrySettings(int maxRetries, Duration minBackoff, Duration maxBackoff, int maxImageRestarts) {

    public RetrySettings {
        Objects.requireNonNull(minBackoff, "minBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (maxRetries < 0 || maxImageRestarts < 0) {
            throw new IllegalArgumentException("retry counts must not be negative");
        }
    }

    /** 5 retries from 100 ms up to 5 s apart; 2 image restarts. */
    public static RetrySettings defaults() {
        return new RetrySettings(5, Duration.ofMillis(100), Duration.ofSeconds(5), 2);
    }

    public RetrySettings withBackoff(int retries, Duration min, Duration max) {
        return new RetrySettings(retries, min, max, maxImageRestarts);
    }
}
