package dev.flota.ota.pipeline;

import dev.flota.flash.nor.NorFlash;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

/** The flash timing model as non-blocking delays, checked in virtual time. */
class FlashTimingDelaysTest {

    @Test
    void waitsExactlyTheDatasheetTimeOfTheOperationsJustRun() {
        NorFlash flash = NorFlash.inMemory(64 * 1024);
        StepVerifier.withVirtualTime(() -> Mono.fromRunnable(() -> {
                    flash.eraseSector(0);
                    flash.program(0, new byte[512]);
                }).then(FlashTimingDelays.elapse(flash::drainBusyTime)))
                .expectSubscription()
                .expectNoEvent(Duration.ofMillis(45).plus(Duration.ofNanos(1_399_999)))
                .thenAwait(Duration.ofNanos(1))
                .verifyComplete();
    }

    @Test
    void nothingRunNothingToWait() {
        NorFlash flash = NorFlash.inMemory(64 * 1024);
        StepVerifier.withVirtualTime(() -> FlashTimingDelays.elapse(flash::drainBusyTime)).verifyComplete();
    }
}
