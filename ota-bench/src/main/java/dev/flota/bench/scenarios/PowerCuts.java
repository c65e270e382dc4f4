package dev.flota.bench.scenarios;

import dev.flota.bench.fleet.BenchFleet;
import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.nor.CompactStorage;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.sim.SimulatedTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The power-cut case of {@code bench faults}: each device's power goes once, during a flash operation drawn from a
 * seeded generator over the operations of a whole update; the device reboots and the update is run again, resuming
 * from its journal, until the new app boots, nothing boots, or {@link #MAX_RUNS} runs are spent.
 */
final class PowerCuts {

    static final int MAX_RUNS = 4;

    private PowerCuts() {
    }

    /** The erase and page-program operations of one uninterrupted update: the range the cut points are drawn from. */
    static long operationsPerUpdate(HttpsOta ota, CompactStorage template) {
        Device device = BenchFleet.device(template, false);
        long before = device.flash().stats().mutatingOperations();
        ota.update(SimulatedTarget.of(device)).blockLast();
        return device.flash().stats().mutatingOperations() - before;
    }

    static FaultsBenchCommand.Outcome run(HttpsOta ota, CompactStorage template, int devices, long operations,
            long seed, String version) {
        Random random = new Random(seed);
        List<Device> fleet = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            Device device = BenchFleet.device(template, false);
            device.flash().faults().cutPowerAfterOperations(random.nextLong(operations));
            fleet.add(device);
        }
        Counts counts = new Counts();
        Flux.fromIterable(fleet).flatMap(device -> untilDone(ota, device, version, 1, counts), devices).blockLast();
        return new FaultsBenchCommand.Outcome(counts.completed.get(), counts.bricked.get(), counts.wasted.get(),
                counts.cuts.get());
    }

    private static Mono<Void> untilDone(HttpsOta ota, Device device, String version, int run, Counts counts) {
        AtomicReference<OtaEvent.Finished> finished = new AtomicReference<>();
        return ota.update(SimulatedTarget.of(device)).doOnNext(event -> {
            if (event instanceof OtaEvent.Finished f) {
                finished.set(f);
            }
        }).then().onErrorResume(e -> Mono.empty()).then(Mono.fromCallable(() -> {
            if (device.flash().isPowerLost()) {
                counts.cuts.incrementAndGet();
            }
            if (finished.get() != null) {
                counts.wasted.addAndGet(finished.get().bytesWasted());
            }
            return device.reboot();
        }).subscribeOn(Schedulers.boundedElastic())).flatMap(boot -> {
            if (boot.booted().isEmpty()) {
                counts.bricked.incrementAndGet();
                return Mono.empty();
            }
            if (version.equals(runningVersion(boot))) {
                counts.completed.incrementAndGet();
                return Mono.empty();
            }
            return run < MAX_RUNS ? untilDone(ota, device, version, run + 1, counts) : Mono.empty();
        });
    }

    private static String runningVersion(BootResult boot) {
        return boot.appDescription().map(AppDescription::version).orElse("");
    }

    private static final class Counts {
        final AtomicLong completed = new AtomicLong();
        final AtomicLong bricked = new AtomicLong();
        final AtomicLong wasted = new AtomicLong();
        final AtomicLong cuts = new AtomicLong();
    }
}
