package dev.flota.ota.http;

import java.time.Duration;
import java.util.Objects;

/**
 * How long an update waits: for a TCP connect (and again for the TLS handshake), for the next byte of a response
 * ({@code timeout_ms}), and for the whole update (ESP-IDF has no such deadline and may wait forever).
 *
 * @param connect  TCP connect, and the TLS handshake
 * @param read     longest silence while reading a response
 * @param deadline the whole update
 */
public record Timeouts(Duration connect, Duration read, Duration deadline) {

    public Timeouts {
        Objects.requireNonNull(connect, "connect");
        Objects.requireNonNull(read, "read");
        Objects.requireNonNull(deadline, "deadline");
    }

    /** 10 s to connect, 5 s between bytes, 10 min in all. */
    public static Timeouts defaults() {
        return new Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(10));
    }
}
