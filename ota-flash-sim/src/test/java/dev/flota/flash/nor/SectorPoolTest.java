package dev.flota.flash.nor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link SectorPool}: shared contents counted exactly, from many threads at once. */
class SectorPoolTest {

    private static byte[][] contents(int count) {
        byte[][] contents = new byte[count][4096];
        Random random = new Random(9);
        for (byte[] content : contents) {
            random.nextBytes(content);
        }
        return contents;
    }

    @Test
    void threadsInterningAndReleasingTheSameContentsLeaveNothingBehind() throws Exception {
        SectorPool pool = new SectorPool();
        byte[][] contents = contents(8);
        ExecutorService threads = Executors.newFixedThreadPool(4);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int seed = t;
                done.add(threads.submit(() -> {
                    Random random = new Random(seed);
                    for (int i = 0; i < 20_000; i++) {
                        int which = random.nextInt(contents.length);
                        byte[] shared = pool.intern(contents[which].clone(), which);
                        assertThat(shared).isEqualTo(contents[which]);
                        byte[] candidate = pool.candidate(which);
                        if (candidate != null) {
                            assertThat(candidate).isEqualTo(contents[which]);
                            pool.release(candidate);
                        }
                        pool.release(shared);
                    }
                    return null;
                }));
            }
            for (Future<?> future : done) {
                future.get();
            }
        } finally {
            threads.shutdownNow();
        }
        assertThat(pool.distinctSectors()).isZero();
        assertThat(pool.candidate(0)).isNull();
    }

    /** Sector 65,535 is the last of a 256 MiB flash, far beyond the sectors the pool first has room for. */
    @ParameterizedTest
    @ValueSource(ints = {5, 65_535})
    void aCandidateIsTheLastContentsInternedForItsSectorWhileSomeoneHoldsThem(int sector) {
        SectorPool pool = new SectorPool();
        byte[][] contents = contents(2);
        assertThat(pool.candidate(sector)).isNull();
        byte[] first = pool.intern(contents[0].clone(), sector);
        byte[] second = pool.intern(contents[1].clone(), sector);
        byte[] candidate = pool.candidate(sector);
        assertThat(candidate).isSameAs(second);
        assertThat(pool.candidate(sector - 1)).as("another sector").isNull();
        pool.release(candidate);
        pool.release(second);
        assertThat(pool.candidate(sector)).as("nobody holds them any more").isNull();
        pool.release(first);
        assertThat(pool.distinctSectors()).isZero();
        assertThatThrownBy(() -> pool.release(first)).isInstanceOf(IllegalArgumentException.class);
    }
}
