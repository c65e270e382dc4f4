package dev.flota.ota.testing;

import static org.assertj.core.api.Assertions.assertThat;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * Fails a test class when Netty reports a leaked buffer. Registered for every test class (service loader), it
 * installs a leak detector factory that records reports before any buffer class is loaded; the tests run with
 * {@code -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked.
 */
public final class NettyLeakCheck implements AfterAllCallback {

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();

    static {
        ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new ResourceLeakDetectorFactory() {
            @Override
            public <T> ResourceLeakDetector<T> newResourceLeakDetector(Class<T> resource, int samplingInterval,
                    long maxActive) {
                return new ResourceLeakDetector<>(resource, samplingInterval) {
                    @Override
                    protected void reportTracedLeak(String type, String records) {
                        LEAKS.add(type + records);
                    }

                    @Override
                    protected void reportUntracedLeak(String type) {
                        LEAKS.add(type);
                    }
                };
            }
        });
    }

    /** Removes and returns the leak reports whose records contain {@code hint} (a buffer touched with it). */
    static List<String> takeLeaks(String hint) {
        List<String> taken = LEAKS.stream().filter(leak -> leak.contains(hint)).toList();
        LEAKS.removeAll(taken);
        return taken;
    }

    @Override
    public void afterAll(ExtensionContext context) {
        for (int i = 0; i < 3; i++) {
            System.gc();
            ByteBuf probe = PooledByteBufAllocator.DEFAULT.buffer(1);
            probe.release();
        }
        // each report fails the class it is found after, once; Reactor Netty's touch records (logger
        // _reactor.netty.channel.LeakDetection at DEBUG in logback-test.xml) say which receiver held the buffer
        List<String> found = List.copyOf(LEAKS);
        LEAKS.removeAll(found);
        assertThat(found).as("Netty buffers leaked by %s (or, collected late, by the class before it)",
                context.getDisplayName()).isEmpty();
    }
}
