package dev.flota.ota.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/** Proves the suite's guards are on: BlockHound rejects blocking on a non-blocking thread, leaks are paranoid. */
class GuardsAreActiveTest {

    @Test
    void blockHoundIsInstalled() {
        assertThatThrownBy(() -> Mono.delay(Duration.ofMillis(1)).doOnNext(x -> {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }).block()).hasMessageContaining("Blocking call");
    }

    @Test
    void leakDetectionIsParanoid() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        assertThat(Schedulers.parallel()).isNotNull();
    }
}
