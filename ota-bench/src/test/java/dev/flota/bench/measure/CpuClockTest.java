package dev.flota.bench.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class CpuClockTest {

    @Test
    void stolenTimeIsAShareOfTheMachinesCpuTime() {
        assumeTrue(Files.exists(Path.of("/proc/stat")), "no /proc/stat: stolen time is unknown here");
        CpuClock.HostTicks before = CpuClock.HostTicks.now();
        assertThat(before).isNotNull();
        assertThat(before.stolen()).isNotNegative().isLessThanOrEqualTo(before.total());
        long until = System.nanoTime() + 100_000_000L;
        while (System.nanoTime() < until) {
            Thread.onSpinWait();
        }
        assertThat(CpuClock.HostTicks.stolenPercentSince(before)).isBetween(0.0, 100.0);
    }

    @Test
    void cpuSecondsPerGiB() {
        assertThat(CpuClock.perGiB(3.0, 2L << 30)).isEqualTo(1.5);
        assertThat(CpuClock.perGiB(-1, 2L << 30)).isEqualTo(-1);
        assertThat(CpuClock.processSeconds()).isPositive();
    }

    @Test
    void unknownWithoutAStart() {
        assertThat(CpuClock.HostTicks.stolenPercentSince(null)).isEqualTo(-1);
    }
}
