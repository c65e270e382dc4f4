package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.bench.profile.SampleProfile;
import dev.flota.bench.measure.CpuClock;
import dev.flota.bench.reference.RawFleet;
import dev.flota.flash.device.Device;
import dev.flota.flash.testing.Directories;
import dev.flota.ota.BufferBudget;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptedImages;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.sim.SimulatedTarget;
import java.io.PrintWriter;
import java.io.Writer;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import jdk.jfr.Recording;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench profile}: where one update's or one fleet's CPU goes, as CPU milliseconds per MiB by stage (TLS, copies,
 * decryption, inspection, flash writes, read-back verification, bookkeeping...). The workload of a {@code bench single}
 * case or of {@code bench fleet} runs under a JFR recording against Flota's server in a child JVM, so every sample and
 * every CPU second is the client's; {@link dev.flota.bench.profile.StageMap} maps stack frames to stages. The same
 * bytes fetched by a raw Reactor Netty download (no engine) in the same run give the transport's own cost.
 */
@Command(name = "profile", mixinStandardHelpOptions = true,
        description = "CPU ms per MiB by stage for one bench single case or a fleet, from a JFR recording.")
final class ProfileBenchCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--case", required = true, paramLabel = "NAME",
            description = "a bench single case (https-plain-whole, https-encrypted-whole, https-plain-partial-4k, "
                    + "https-plain-partial-64k, https-encrypted-partial-4k) or fleet")
    String name;

    @Option(names = "--image-size", description = "firmware size (default 16MiB, 1MiB for fleet)")
    String imageSize;

    @Option(names = "--runs", defaultValue = "5", description = "recorded updates of a single case")
    int runs;

    @Option(names = "--devices", defaultValue = "1000", description = "fleet size for --case fleet")
    int devices;

    @Option(names = "--warmup-runs", defaultValue = "2",
            description = "unrecorded updates first, each with a raw download (a fleet of a fifth of --devices and "
                    + "as many raw downloads for fleet)")
    int warmupRuns;

    @Option(names = "--warmup-seconds", defaultValue = "10",
            description = "and go on warming up for at least this long: until the JIT settles, compilation is most "
                    + "of the CPU (default ${DEFAULT-VALUE})")
    double warmupSeconds;

    @Option(names = "--reference",
            description = "record the raw Reactor Netty download (the reference) instead of Flota, for its own rows")
    boolean reference;

    @Option(names = "--jfr", paramLabel = "FILE", description = "keep the recording (for jfr print / JMC)")
    Path jfr;

    @Option(names = "--json", paramLabel = "FILE", description = "write the table as JSON")
    Path json;

    /** One recorded workload: runs it, returns the bytes it moved. */
    @FunctionalInterface
    private interface Workload {
        long run() throws Exception;
    }

    @Override
    public Integer call() throws Exception {
        boolean fleet = name.equals("fleet");
        SingleBenchCommand.Case single = SingleBenchCommand.CASES.stream().filter(c -> c.name().equals(name))
                .findFirst().orElse(null);
        if (!fleet && single == null) {
            throw new UsageException("--case " + name + ": not a bench single case nor fleet");
        }
        long size = ByteSize.parseInt(imageSize != null ? imageSize : fleet ? "1MiB" : "16MiB");
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-profile");
        Path served = Files.createDirectories(dir.resolve("www"));
        try {
            EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
            byte[] image = BenchFleet.app("2.0.0", size);
            boolean encrypted = fleet || single.encrypted();
            Path file = served.resolve(encrypted ? "encrypted.bin" : "plain.bin");
            Files.write(file, encrypted ? ImageEncryptor.encrypt(image, EncryptionKey.forDevice(key)) : image);
            long bytes = Files.size(file);
            SelfSignedCertificates tls = SelfSignedCertificates.generate();
            SelfSignedCertificates.PemFiles pems = tls.writeTo(dir.resolve("tls"));
            // JFR's first start retransforms JDK classes, and HotSpot then drops all compiled code: started after
            // the warm-up, it would make the JIT recompile everything inside the measured window
            Recording primer = SampleProfile.recording();
            primer.start();
            EncryptedImages.warmUp();
            try (ChildServer server = ChildServer.start(served, pems.serverCert(), pems.serverKey())) {
                String url = server.url(file.getFileName().toString());
                int request = fleet ? 64 * 1024 : single.requestSize();
                RawFleet raw = new RawFleet(tls.caPem(), bytes, request, request > 0);
                Workload flota;
                Workload transport;
                if (fleet) {
                    BufferBudget budget = BufferBudget.of(32 << 20);
                    HttpsOta ota = FleetBenchCommand.fleetOta(url, tls.caPem(), request, key, false, 64 * 1024,
                            budget);
                    int concurrency = Math.min(devices, (32 << 20) / request);
                    PrintWriter quiet = new PrintWriter(Writer.nullWriter());
                    int[] all = {1, 1};
                    long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
                    int warm = Math.max(1, devices / 5);
                    for (int i = 0; i < Math.max(1, warmupRuns) || System.nanoTime() < warmUntil; i++) {
                        flotaFleet(ota, budget, quiet, warm, bytes, size, all);
                        raw.run(url, warm, Math.min(concurrency, warm));
                    }
                    flota = () -> flotaFleet(ota, budget, quiet, devices, bytes, size, all);
                    transport = () -> checked(raw.run(url, devices, concurrency)).bytes();
                } else {
                    HttpsOta ota = HttpsOta.create().url(url).caPem(tls.caPem()).partialHttpDownload(request > 0)
                            .maxHttpRequestSize(Math.max(1, request)).decryptionKey(encrypted ? key : null)
                            .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10));
                    // Devices are made before the recording: filling their flash is the bench's work, not the update's.
                    List<Device> targets = new ArrayList<>();
                    for (int i = 0; i < runs; i++) {
                        targets.add(BenchFleet.memoryDevice(size));
                    }
                    flota = () -> {
                        for (Device device : targets) {
                            ota.update(SimulatedTarget.of(device)).filter(e -> e instanceof OtaEvent.Finished)
                                    .blockLast();
                        }
                        targets.clear();
                        return runs * bytes;
                    };
                    transport = () -> {
                        long moved = 0;
                        for (int i = 0; i < runs; i++) {
                            moved += checked(raw.run(url, 1, 1)).bytes();
                        }
                        return moved;
                    };
                    long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
                    for (int i = 0; i < Math.max(1, warmupRuns) || System.nanoTime() < warmUntil; i++) {
                        ota.update(SimulatedTarget.of(BenchFleet.memoryDevice(size)))
                                .filter(e -> e instanceof OtaEvent.Finished).blockLast();
                        raw.run(url, 1, 1);
                    }
                }
                primer.close();
                double load = CpuClock.loadAverage();
                // The process CPU clock advances in scheduler ticks (10 ms on Linux): a small image's transfer, once,
                // can measure as no CPU at all, so it repeats until the clock has moved a few ticks.
                double cpu0 = CpuClock.processSeconds();
                long transportBytes = 0;
                double transportCpu;
                do {
                    transportBytes += transport.run();
                    transportCpu = CpuClock.processSeconds() - cpu0;
                } while (cpu0 >= 0 && transportCpu < 0.05);
                ObjectNode result = record(out, reference ? transport : flota, load);
                result.put("transportMsPerMiB", round(transportCpu * 1000 / (transportBytes / (double) (1 << 20))))
                        .put("imageSize", bytes).put("server", "flota-child-process")
                        .put("recorded", reference ? "raw Reactor Netty reference" : "flota");
                out.printf(Locale.ROOT, "%-48s %12.2f   (raw Reactor Netty download of the same bytes, measured)%n",
                        "transport alone", result.get("transportMsPerMiB").asDouble());
                if (json != null) {
                    Json.write(json, result);
                }
                return 0;
            }
        } finally {
            Directories.deleteTree(dir);
        }
    }

    private static RawFleet.Measured checked(RawFleet.Measured measured) {
        if (measured.failed() > 0) {
            throw new IllegalStateException(measured.failed() + " raw downloads failed: " + measured.firstError());
        }
        return measured;
    }

    private static long flotaFleet(HttpsOta ota, BufferBudget budget, PrintWriter out, int count, long bytes,
            long size, int[] part) {
        ObjectNode r = FleetBenchCommand.updateFleet(out, ota, budget, count, bytes, size, part, false,
                "64K");
        if (r.get("failed").asInt() > 0) {
            throw new IllegalStateException(r.get("failed").asInt() + " of " + count + " updates failed");
        }
        return r.get("bytes").asLong();
    }

    /** Runs {@code flota} under a recording; prints and returns the table. */
    private ObjectNode record(PrintWriter out, Workload flota, double loadBefore) throws Exception {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        Map<Long, Long> before = threadCpu(threads);
        double cpu0 = CpuClock.processSeconds();
        Path file = jfr != null ? jfr : Files.createTempFile("flota-profile", ".jfr");
        long t0;
        long bytes;
        double seconds;
        double loadStart = CpuClock.loadAverage();
        try (Recording recording = SampleProfile.recording()) {
            recording.start();
            t0 = System.nanoTime();
            bytes = flota.run();
            seconds = (System.nanoTime() - t0) / 1e9;
            recording.stop();
            recording.dump(file);
        }
        double processCpu = CpuClock.processSeconds() - cpu0;
        Map<Long, Double> used = new HashMap<>();
        threadCpu(threads).forEach((id, nanos) -> used.put(id, (nanos - before.getOrDefault(id, 0L)) / 1e9));
        SampleProfile profile = SampleProfile.attribute(SampleProfile.read(file), used, processCpu);
        Map<String, Double> vm = SampleProfile.vmSeconds(file);
        if (jfr == null) {
            Files.deleteIfExists(file);
        }
        double load = CpuClock.loadAverage();
        out.printf(Locale.ROOT, "bench profile %s: %d bytes in %.1f s (%.1f MB/s), %.2f s CPU, %d samples, load "
                + "average %.2f -> %.2f%n", name, bytes, seconds, bytes / 1e6 / seconds, processCpu, profile.samples(),
                loadStart, load);
        out.print(profile.table(bytes));
        Map<String, Double> groups = threadGroups(threads, used, processCpu);
        out.printf("%-48s %12s%n", "CPU by thread (measured)", "CPU ms/MiB");
        double mib = bytes / (double) (1 << 20);
        groups.forEach((group, cpu) -> out.printf(Locale.ROOT, "  %-46s %12.2f%n", group, cpu * 1000 / mib));
        vm.forEach((what, s) -> out.printf(Locale.ROOT, "  %-46s %12.2f%n", "of which " + what + " (wall)",
                s * 1000 / mib));
        out.flush();
        ObjectNode result = Json.object().put("scenario", "profile").put("case", name)
                .put("date", LocalDate.now().toString()).put("bytes", bytes).put("durationSeconds", round(seconds))
                .put("mbPerSec", round(bytes / 1e6 / seconds)).put("cpuSeconds", round(processCpu))
                .put("samples", profile.samples()).put("loadAverageBefore", loadBefore)
                .put("loadAverageStart", loadStart).put("loadAverageEnd", load);
        ObjectNode stages = result.putObject("msPerMiB");
        profile.msPerMiB(bytes).forEach((stage, ms) -> stages.put(stage.name(), round(ms)));
        vm.forEach((what, s) -> result.put(what + "MsPerMiB", round(s * 1000 / mib)));
        ObjectNode byThread = result.putObject("threadMsPerMiB");
        groups.forEach((group, cpu) -> byThread.put(group, round(cpu * 1000 / mib)));
        result.put("totalMsPerMiB", round(profile.totalSeconds() * 1000 / (bytes / (double) (1 << 20))));
        return result;
    }

    /**
     * CPU seconds by thread name with numbers as N (event loops, flash scheduler...), and the process's CPU beyond
     * its Java threads: GC, JIT compiler and VM threads, and threads that ended.
     */
    private static Map<String, Double> threadGroups(ThreadMXBean threads, Map<Long, Double> used, double process) {
        Map<String, Double> groups = new TreeMap<>();
        double javaThreads = 0;
        for (Map.Entry<Long, Double> thread : used.entrySet()) {
            ThreadInfo info = threads.getThreadInfo(thread.getKey());
            String group = info == null ? "ended threads" : info.getThreadName().replaceAll("[0-9]+", "N");
            groups.merge(group, thread.getValue(), Double::sum);
            javaThreads += thread.getValue();
        }
        groups.values().removeIf(cpu -> cpu < 0.005);
        groups.put("~ not Java threads (GC, JIT, VM) or ended", Math.max(0, process - javaThreads));
        return groups;
    }

    private static Map<Long, Long> threadCpu(ThreadMXBean threads) {
        Map<Long, Long> cpu = new HashMap<>();
        for (long id : threads.getAllThreadIds()) {
            long nanos = threads.getThreadCpuTime(id);
            if (nanos >= 0) {
                cpu.put(id, nanos);
            }
        }
        return cpu;
    }

    private static double round(double value) {
        return Math.round(value * 100) / 100.0;
    }

}
