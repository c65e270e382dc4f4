package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ForkJoinPool;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14's matrix: network faults × a power cut at flash operation k × plain and pre-encrypted images × whole GET and
 * partial download, each through {@link HttpsOta} with {@code resume(true)}, the device rebooted and resumed after
 * every run that did not finish. How the dimensions combine:
 *
 * <ul>
 * <li>a small image, no network fault: a cut at every flash operation of an update, for the four formats and modes
 * (the full cross product is cheap: a run is a few milliseconds);</li>
 * <li>a small image, every network fault without a cut, and each with {@link #CUTS_PER_FAULT} cuts drawn from
 * strata of the update's operations (a seeded sample: a fault changes the timing, not the flash operations, so a few
 * cuts per fault find the interplay without repeating the cut sweep seven times);</li>
 * <li>a large image, no fault: a cut in each of {@link #LARGE_STRATA} strata of its operations; and the changed
 * image, whose waste the engine must carry across reboots, with a few sampled cuts.</li>
 * </ul>
 *
 * <p>Every scenario must boot the old image or exactly the new one after every run, end booting the new one, keep
 * the server's count of image bytes within the image, what an interruption may lose (for a partial download the
 * flash's bytes past the last journal commit, the engine's buffer of one request and the request on the wire; for a
 * whole one what the interrupted GET carried) and what a changed image forces, and report through
 * {@link OtaEvent.Finished#bytesWasted()} no more than it received beyond the image, and no less than that minus what
 * the cuts lost after their last journal commit.
 */
class ResumeMatrixTest {

    static final long SEED = 14_7L;
    static final int CUTS_PER_FAULT = 3;
    static final int LARGE_STRATA = 10;
    /** Scenarios run two at a time: each has its own device and server, and CI has two cores. */
    static final int PARALLELISM = 2;

    @TempDir
    static Path dir;

    private static final Map<String, Long> OPERATIONS = new ConcurrentHashMap<>();

    /** The network faults, as each is put on the server; {@code at} is an offset in the first long enough body. */
    static List<MatrixScenario> faults(MatrixImages images, boolean partial, long cut) {
        int at = partial ? 3000 : 9000;
        List<MatrixScenario> list = new ArrayList<>();
        list.add(new MatrixScenario("reset", ServerFaults.none().resetOnceAfter(at), images, partial, cut));
        list.add(new MatrixScenario("stall", ServerFaults.none().stallOnceAfter(at), images, partial, cut));
        list.add(new MatrixScenario("truncated", ServerFaults.none().closeOnceAfter(at), images, partial, cut));
        list.add(new MatrixScenario("200-not-206", ServerFaults.none().ignoreRanges(), images, partial, cut));
        MatrixImages changed = images.changedAfter(partial ? 3 : 1);
        ServerFaults replaced = ServerFaults.none().replaceAfter(changed.replaceAfter(), changed.replacement());
        // a whole GET sees the change only when it is interrupted: the first one is cut short
        list.add(new MatrixScenario("etag-change", partial ? replaced : replaced.closeOnceAfter(at), changed, partial,
                cut));
        list.add(new MatrixScenario("503-burst", ServerFaults.none().statusBurst(3, 503), images, partial, cut));
        list.add(new MatrixScenario("slow-link", ServerFaults.none().slowLink(1024, Duration.ofMillis(1)), images,
                partial, cut));
        return list;
    }

    /** The mutating flash operations of one uninterrupted update: the range the cuts are drawn from. */
    static long operations(MatrixImages images, boolean partial) {
        return OPERATIONS.computeIfAbsent(images.name() + partial, key -> {
            Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS,
                    TestDevices.app("1.0")), false);
            try (RunningImageServer server = ImageServer.create().directory(images.write(dir)).host("127.0.0.1")
                    .port(0).bindNow()) {
                long before = device.flash().stats().mutatingOperations();
                new MatrixScenario("none", ServerFaults.none(), images, partial, -1)
                        .ota(server.url("app.bin"), new SimpleMeterRegistry()).update(SimulatedTarget.of(device))
                        .blockLast(Duration.ofSeconds(30));
                return device.flash().stats().mutatingOperations() - before;
            }
        });
    }

    /** One cut per stratum of {@code [0, operations)}, at a seeded position within it. */
    static long[] stratified(long operations, int strata, Random random) {
        long[] cuts = new long[strata];
        for (int i = 0; i < strata; i++) {
            long from = operations * i / strata;
            long to = operations * (i + 1) / strata;
            cuts[i] = from + (long) (random.nextDouble() * Math.max(1, to - from));
        }
        return cuts;
    }

    static List<MatrixScenario> scenarios() {
        Random random = new Random(SEED);
        List<MatrixScenario> list = new ArrayList<>();
        for (boolean encrypted : new boolean[] {false, true}) {
            MatrixImages small = MatrixImages.of("small", 16_000, encrypted);
            MatrixImages large = MatrixImages.of("large", 200_000, encrypted);
            small.write(dir);
            large.write(dir);
            for (boolean partial : new boolean[] {false, true}) {
                long ops = operations(small, partial);
                for (long k = 0; k < ops; k++) {
                    list.add(new MatrixScenario("none", ServerFaults.none(), small, partial, k));
                }
                list.addAll(faults(small, partial, -1));
                for (int i = 0; i < CUTS_PER_FAULT; i++) {
                    long[] cuts = stratified(ops, CUTS_PER_FAULT, random);
                    for (MatrixScenario s : faults(small, partial, cuts[i])) {
                        list.add(s);
                    }
                }
                long largeOps = operations(large, partial);
                for (long k : stratified(largeOps, LARGE_STRATA, random)) {
                    list.add(new MatrixScenario("none", ServerFaults.none(), large, partial, k));
                }
                MatrixImages changed = large.changedAfter(partial ? 12 : 1);
                ServerFaults replaced = ServerFaults.none().replaceAfter(changed.replaceAfter(),
                        changed.replacement());
                for (long k : stratified(largeOps, 3, random)) {
                    list.add(new MatrixScenario("etag-change", partial ? replaced : replaced.closeOnceAfter(40_000),
                            changed, partial, k));
                }
            }
        }
        return list;
    }

    @Test
    void everyScenarioEndsBootingTheNewImageWithinTheByteBound() throws InterruptedException {
        long start = System.nanoTime();
        List<MatrixScenario> scenarios = scenarios();
        System.out.printf("resume matrix: flash operations per update %s%n", new java.util.TreeMap<>(OPERATIONS));
        ForkJoinPool pool = new ForkJoinPool(PARALLELISM);
        try {
            List<MatrixScenario.Outcome> outcomes = pool.submit(() -> scenarios.parallelStream().map(scenario -> {
                long began = System.nanoTime();
                MatrixScenario.Outcome outcome = scenario.run(dir.resolve(scenario.images().name()));
                check(outcome);
                return outcome.took(Duration.ofNanos(System.nanoTime() - began));
            }).toList()).get();
            MatrixReport.print(outcomes, Duration.ofNanos(System.nanoTime() - start));
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Error error ? error : new AssertionError(e.getCause());
        } finally {
            pool.shutdown();
        }
    }

    private static void check(MatrixScenario.Outcome o) {
        MatrixScenario s = o.scenario();
        assertThat(o.served()).as("%s: image bytes the server sent (image %d, allowance %d)", s,
                s.images().finalImage().length, o.allowance())
                .isLessThanOrEqualTo(s.images().finalImage().length + o.allowance());
        assertThat(o.clientWasted()).as("%s: the engine received no more than the server sent", s)
                .isLessThanOrEqualTo(o.serverWasted());
        if (o.engineWasted() < 0) {
            return; // cut after the boot switch, before Finished: no count to compare
        }
        assertThat(o.engineWasted()).as("%s: the engine's bytesWasted against what it received beyond the image", s)
                .isLessThanOrEqualTo(o.clientWasted());
        if (o.journalUsed() || o.runs() == 1) {
            // earlier runs' waste reaches the last run through the journal only (a discarded one takes it along)
            assertThat(o.engineWasted()).as("%s: bytesWasted less what cuts lost after their last commit", s)
                    .isGreaterThanOrEqualTo(o.clientWasted() - o.cuts() * MatrixScenario.UNCOUNTED_PER_CUT);
        }
        if (o.runs() == 1) {
            assertThat(o.engineWasted()).as("%s: one run counts exactly what it received twice", s)
                    .isEqualTo(o.clientWasted());
        }
    }
}
