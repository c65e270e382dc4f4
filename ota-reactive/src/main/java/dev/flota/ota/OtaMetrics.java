package dev.flota.ota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The update meters, all with low-cardinality tags (no URLs, no device IDs):
 * {@code flota.ota.bytes{kind=fetched|decrypted|written|wasted}}, {@code flota.ota.updates{outcome,error}},
 * {@code flota.ota.http.requests{method}}, {@code flota.ota.http.responses{status}},
 * {@code flota.ota.phase{phase=connect|first_byte|inspect|erase|write|verify|boot_switch}},
 * {@code flota.ota.update{outcome}}, and the gauges {@code flota.ota.updates.in.flight} and
 * {@code flota.ota.bytes.buffered} (bytes fetched but not yet written, over all updates).
 */
final class OtaMetrics {

    private static final Map<MeterRegistry, AtomicLong[]> GAUGES = new WeakHashMap<>();

    private final MeterRegistry registry;
    private final AtomicLong inFlight;
    private final AtomicLong buffered;

    OtaMetrics(MeterRegistry registry) {
        this.registry = registry;
        AtomicLong[] gauges;
        synchronized (GAUGES) {
            gauges = GAUGES.computeIfAbsent(registry, r -> {
                AtomicLong[] created = {new AtomicLong(), new AtomicLong()};
                Gauge.builder("flota.ota.updates.in.flight", created[0], AtomicLong::get)
                        .description("updates running now").register(r);
                Gauge.builder("flota.ota.bytes.buffered", created[1], AtomicLong::get).baseUnit("bytes")
                        .description("bytes fetched but not yet written to flash").register(r);
                return created;
            });
        }
        this.inFlight = gauges[0];
        this.buffered = gauges[1];
    }

    void bytes(String kind, long count) {
        if (count > 0) {
            Counter.builder("flota.ota.bytes").tag("kind", kind).baseUnit("bytes").register(registry).increment(count);
        }
    }

    void request(String method) {
        Counter.builder("flota.ota.http.requests").tag("method", method).register(registry).increment();
    }

    void response(int status) {
        Counter.builder("flota.ota.http.responses").tag("status", Integer.toString(status)).register(registry)
                .increment();
    }

    void phase(String phase, Duration duration) {
        Timer.builder("flota.ota.phase").tag("phase", phase).register(registry).record(duration);
    }

    void outcome(String outcome, String error, Duration duration) {
        Counter.builder("flota.ota.updates").tag("outcome", outcome).tag("error", error).register(registry)
                .increment();
        Timer.builder("flota.ota.update").tag("outcome", outcome).register(registry).record(duration);
    }

    AtomicLong inFlight() {
        return inFlight;
    }

    AtomicLong buffered() {
        return buffered;
    }
}
