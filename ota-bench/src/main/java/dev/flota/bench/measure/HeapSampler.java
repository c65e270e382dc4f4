package dev.flota.bench.measure;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;

/**
 * The largest heap in use while a bench runs, sampled every 50 ms: what {@code -Xmx} has to hold. (The per-pool
 * peaks of the memory MX beans cannot be summed: the pools peak at different times.)
 */
public final class HeapSampler implements AutoCloseable {

    private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    private final AtomicLong peak = new AtomicLong();
    private final Disposable sampling;

    public HeapSampler() {
        System.gc();
        sample();
        sampling = Flux.interval(Duration.ofMillis(50)).subscribe(tick -> sample());
    }

    private void sample() {
        peak.accumulateAndGet(memory.getHeapMemoryUsage().getUsed(), Math::max);
    }

    public long peakMiB() {
        sample();
        return peak.get() >> 20;
    }

    @Override
    public void close() {
        sampling.dispose();
    }
}
