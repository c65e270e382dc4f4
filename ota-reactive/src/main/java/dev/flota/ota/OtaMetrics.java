package dev.flota.ota;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * The update meters, all with low-cardinality tags (no URLs, no device IDs):
 * {@code flota.ota.bytes{kind=fetched|decrypted|written|wasted}} (fetched: every image byte received; wasted: those
 * the image did not need, as in {@link OtaEvent.Finished#bytesWasted()}), {@code flota.ota.updates{outcome,error}},
 * {@code flota.ota.http.requests{method}}, {@code flota.ota.http.responses{status}},
 * {@code flota.ota.http.range.ignored{action=plain_get|restart}} (a server answered a range with 200: taken as one
 * plain GET, or the image fetched again from byte 0),
 * {@code flota.ota.phase{phase=connect|first_byte|inspect|erase|write|verify|boot_switch}},
 * {@code flota.ota.update{outcome}}, and the gauges {@code flota.ota.updates.in.flight} and
 * {@code flota.ota.bytes.buffered} (bytes fetched but not yet written, over all updates). One per update, which
 * keeps that update's share of the buffered gauge. Without a registry, it only keeps what the events report (the
 * update's peak of buffered bytes) and records nothing.
 */
final class OtaMetrics {

    /**
     * Per registry: the gauges' values and the counters, looked up rather than built on every chunk and request. The
     * buffered gauge moves at every chunk of every update, from each event loop: an adder, not one atomic.
     */
    private record Shared(AtomicLong inFlight, LongAdder buffered, Map<String, Counter> bytes,
            Map<String, Counter> requests, Map<Integer, Counter> responses) {
    }

    private static final Map<MeterRegistry, Shared> SHARED = new WeakHashMap<>();

    private final MeterRegistry registry;
    private final Shared shared;
    private final AtomicLong inFlight;
    private long reportedBuffered;
    private volatile long peakBuffered;

    /** @param registry where the meters go, or null for none */
    OtaMetrics(MeterRegistry registry) {
        this.registry = registry;
        if (registry == null) {
            shared = null;
            inFlight = new AtomicLong();
            return;
        }
        synchronized (SHARED) {
            shared = SHARED.computeIfAbsent(registry, r -> {
                Shared created = new Shared(new AtomicLong(), new LongAdder(), new ConcurrentHashMap<>(),
                        new ConcurrentHashMap<>(), new ConcurrentHashMap<>());
                Gauge.builder("flota.ota.updates.in.flight", created.inFlight(), AtomicLong::get)
                        .description("updates running now").register(r);
                Gauge.builder("flota.ota.bytes.buffered", created.buffered(), LongAdder::sum).baseUnit("bytes")
                        .description("bytes fetched but not yet written to flash").register(r);
                return created;
            });
        }
        inFlight = shared.inFlight();
    }

    /** Per chunk and per request: the counters are looked up in this registry's maps, not built and registered. */
    void bytes(String kind, long count) {
        if (count > 0 && registry != null) {
            Counter counter = shared.bytes().get(kind);
            if (counter == null) {
                counter = shared.bytes().computeIfAbsent(kind, k -> Counter.builder("flota.ota.bytes").tag("kind", k)
                        .baseUnit("bytes").register(registry));
            }
            counter.increment(count);
        }
    }

    void request(String method) {
        if (registry == null) {
            return;
        }
        Counter counter = shared.requests().get(method);
        if (counter == null) {
            counter = shared.requests().computeIfAbsent(method, m -> Counter.builder("flota.ota.http.requests")
                    .tag("method", m).register(registry));
        }
        counter.increment();
    }

    void response(int status) {
        if (registry == null) {
            return;
        }
        Counter counter = shared.responses().get(status);
        if (counter == null) {
            counter = shared.responses().computeIfAbsent(status, s -> Counter.builder("flota.ota.http.responses")
                    .tag("status", Integer.toString(s)).register(registry));
        }
        counter.increment();
    }

    void rangeIgnored(String action) {
        if (registry == null) {
            return;
        }
        Counter.builder("flota.ota.http.range.ignored").tag("action", action)
                .description("ranged requests answered with 200 by a server that ignores Range").register(registry)
                .increment();
    }

    void phase(String phase, Duration duration) {
        if (registry == null) {
            return;
        }
        Timer.builder("flota.ota.phase").tag("phase", phase).register(registry).record(duration);
    }

    void outcome(String outcome, String error, Duration duration) {
        if (registry == null) {
            return;
        }
        Counter.builder("flota.ota.updates").tag("outcome", outcome).tag("error", error).register(registry)
                .increment();
        Timer.builder("flota.ota.update").tag("outcome", outcome).register(registry).record(duration);
    }

    /** The updates in flight with this registry; without one, this update's own counter, which nobody reads. */
    AtomicLong inFlight() {
        return inFlight;
    }

    /** Moves the shared gauge by this update's change in bytes fetched but not yet on flash. */
    synchronized void buffered(long now) {
        if (now != reportedBuffered && shared != null) {
            shared.buffered().add(now - reportedBuffered);
        }
        reportedBuffered = now;
        peakBuffered = Math.max(peakBuffered, now);
    }

    /** The most bytes this update has held fetched but not yet on flash. */
    long peakBuffered() {
        return peakBuffered;
    }
}
