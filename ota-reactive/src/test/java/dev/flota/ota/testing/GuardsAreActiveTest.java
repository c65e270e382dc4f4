package dev.flota.ota.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.core.publisher.Mono;

/** Proves the suite's guards are on: BlockHound rejects blocking on a non-blocking thread, leaks are reported. */
class GuardsAreActiveTest {

    private static final String HINT = "GuardsAreActiveTest: leaked on purpose";

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
    void leakDetectionIsParanoidAndNettyLeakCheckSeesALeak() {
        assertThat(ResourceLeakDetector.getLevel()).isEqualTo(ResourceLeakDetector.Level.PARANOID);
        leakOneBuffer();
        List<String> reported = List.of();
        for (int i = 0; i < 100 && reported.isEmpty(); i++) {
            System.gc();
            PooledByteBufAllocator.DEFAULT.heapBuffer(1).release();
            reported = NettyLeakCheck.takeLeaks(HINT);
        }
        assertThat(reported).as("the buffer this test never released, as NettyLeakCheck records it").hasSize(1);
    }

    /** Allocates a tracked buffer and drops it unreleased; taken out of the reports again, so the class passes. */
    private static void leakOneBuffer() {
        ByteBuf leaked = PooledByteBufAllocator.DEFAULT.heapBuffer(16);
        leaked.touch(HINT);
    }
}
