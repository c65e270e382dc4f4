package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.nor.CompactStorage;
import dev.flota.flash.nor.SectorPool;
import dev.flota.flash.ota.OtaHandle;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.SyntheticApp;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.IntStream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench devices}: how many simulated devices one JVM holds. N devices with their own flash (compact backend)
 * boot a factory app, each takes the same update through the OTA API (begin, sequential writes, end, set boot
 * partition) and reboots into it; all stay alive while the heap is measured after a full GC.
 */
@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "Simulate N devices in one JVM (compact flash backend), update each through the OTA API, "
                + "and report the heap they hold. Run with -Xmx to prove a bound.")
final class DevicesBenchCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--devices", defaultValue = "10000", description = "number of devices (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--flash-size", defaultValue = "4MiB", description = "flash per device (default ${DEFAULT-VALUE})")
    String flashSize;

    @Option(names = "--update-size", defaultValue = "1MiB", description = "update image size (default ${DEFAULT-VALUE})")
    String updateSize;

    @Option(names = "--json", paramLabel = "FILE", description = "also write the result as JSON")
    Path json;

    @Override
    public Integer call() {
        long flashBytes = ByteSize.parseFlashSize(flashSize);
        long updateBytes = ByteSize.parseFlashSize(updateSize);
        long slot = (flashBytes - 0x10000 - 0x40000) / 2 / 0x10000 * 0x10000;
        if (slot < updateBytes + 0x20000) {
            throw new UsageException("a " + flashSize + " flash has no room for a " + updateSize + " update");
        }
        SectorPool pool = new SectorPool();
        CompactStorage template = BenchFleet.template(flashBytes, BenchFleet.table(0x40000, slot, slot),
                app("1.0", 64 * 1024), pool);
        byte[] update = app("2.0", (int) updateBytes - 0x11000);

        long start = System.nanoTime();
        AtomicInteger updated = new AtomicInteger();
        Device[] fleet = new Device[devices];
        IntStream.range(0, devices).parallel().forEach(i -> {
            Device device = BenchFleet.device(template, false);
            OtaOperations ota = OtaOperations.on(device);
            Partition target = ota.getNextUpdatePartition(null).orElseThrow();
            OtaHandle handle = ota.begin(target, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
            for (int offset = 0; offset < update.length; offset += 4096) {
                handle.write(ByteBuffer.wrap(update, offset, Math.min(4096, update.length - offset)));
            }
            handle.end();
            ota.setBootPartition(target);
            device.reboot();
            ota.markAppValidCancelRollback();
            device.flash().flush();
            if (device.runningApp().map(AppDescription::version).orElse("").equals("2.0")) {
                updated.incrementAndGet();
            }
            fleet[i] = device;
        });
        double seconds = (System.nanoTime() - start) / 1e9;
        long heap = usedHeapAfterGc();
        ObjectNode result = Json.object()
                .put("devices", devices)
                .put("updated", updated.get())
                .put("flashBytesPerDevice", flashBytes)
                .put("updateBytes", update.length)
                .put("seconds", Math.round(seconds * 10) / 10.0)
                .put("heapUsedMiB", heap >> 20)
                .put("heapPerDeviceKiB", devices == 0 ? 0 : heap / devices >> 10)
                .put("maxHeapMiB", Runtime.getRuntime().maxMemory() >> 20)
                .put("distinctSectorsInPool", pool.distinctSectors());
        PrintWriter out = spec.commandLine().getOut();
        out.printf("%d devices of %s flash, each updated with a %d-byte image through the OTA API in %.1f s%n",
                devices, flashSize, update.length, seconds);
        out.printf("devices booting the update: %d; heap used after GC: %d MiB (%d KiB per device, max heap %d MiB); "
                + "%d distinct sectors shared%n", updated.get(), heap >> 20, devices == 0 ? 0 : heap / devices >> 10,
                Runtime.getRuntime().maxMemory() >> 20, pool.distinctSectors());
        if (json != null) {
            Json.write(json, result);
        }
        if (fleet.length > 0 && fleet[0] == null) {
            throw new IllegalStateException("fleet lost");
        }
        return updated.get() == devices ? 0 : 1;
    }

    /** A real ESP32-C3 app holding {@code payload} pseudo-random bytes of code. */
    private static byte[] app(String version, int payload) {
        return SyntheticApp.of(version).project("fleet-bench").time("00:00:00").idfVersion("v5.5").build(payload);
    }

    private static long usedHeapAfterGc() {
        for (int i = 0; i < 3; i++) {
            System.gc();
        }
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }
}
