package dev.flota.ota.flash;

import dev.flota.flash.nor.NorFlash;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Real time for the simulated flash's timing model, without blocking a thread: after some flash operations,
 * {@link #elapse(NorFlash)} completes once the time those operations would take on the chip has passed, on a Reactor
 * timer. Under {@code StepVerifier.withVirtualTime} the same code runs in virtual time.
 */
public final class FlashTimingDelays {

    private FlashTimingDelays() {
    }

    /** Completes after the flash's busy time since the previous call, on the parallel scheduler's timer. */
    public static Mono<Void> elapse(NorFlash flash) {
        return elapse(flash, Schedulers.parallel());
    }

    public static Mono<Void> elapse(NorFlash flash, Scheduler timer) {
        return Mono.defer(() -> {
            Duration busy = flash.drainBusyTime();
            return busy.isZero() ? Mono.<Void>empty() : Mono.delay(busy, timer).then();
        });
    }
}
