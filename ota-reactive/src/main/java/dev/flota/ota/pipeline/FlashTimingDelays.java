package dev.flota.ota.pipeline;

import java.time.Duration;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Real time for a target's pacing (a simulated chip's flash timing model), without blocking a thread: after some
 * operations, {@link #elapse(Supplier)} completes once the time they would take on the chip has passed, on a Reactor
 * timer. Under {@code StepVerifier.withVirtualTime} the same code runs in virtual time.
 */
public final class FlashTimingDelays {

    private FlashTimingDelays() {
    }

    /**
     * Completes after {@code busyTime}'s answer (the busy time since the previous call), on the parallel scheduler's
     * timer.
     */
    public static Mono<Void> elapse(Supplier<Duration> busyTime) {
        return elapse(busyTime, Schedulers.parallel());
    }

    public static Mono<Void> elapse(Supplier<Duration> busyTime, Scheduler timer) {
        return Mono.defer(() -> {
            Duration busy = busyTime.get();
            return busy.isZero() ? Mono.<Void>empty() : Mono.delay(busy, timer).then();
        });
    }
}
