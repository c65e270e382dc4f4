package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.bench.fleet.Percentiles;
import dev.flota.bench.measure.CpuClock;
import dev.flota.bench.measure.HeapSampler;
import dev.flota.bench.reference.RawFleet;
import dev.flota.flash.device.Device;
import dev.flota.flash.nor.CompactStorage;
import dev.flota.flash.nor.SectorPool;
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
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.sim.SimulatedTarget;
import java.io.PrintWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Mono;

/**
 * {@code bench fleet}: N simulated devices update concurrently from one HTTPS server with a pre-encrypted image and
 * 64 KiB partial download, all sharing one {@link BufferBudget} ({@code --fleet-buffer}); reports aggregate
 * throughput, update-time percentiles, peak heap and the bytes each update held between the network and the flash.
 * In the same run, a raw Reactor Netty fleet of the same size fetches the same bytes from the same server with the same
 * TLS and requests and discards them ({@code ratioToRawFleet}); each side's CPU seconds per GiB is the client's, the
 * server running in a child JVM. {@code --shard i/n} runs one part of the fleet for {@code bench merge}.
 */
@Command(name = "fleet", mixinStandardHelpOptions = true,
        description = "N devices update concurrently (pre-encrypted image, HTTPS, 64 KiB partial download).")
final class FleetBenchCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--devices", required = true, description = "fleet size (all shards together)")
    int devices;

    @Option(names = "--image-size", defaultValue = "1MiB", description = "firmware size (default ${DEFAULT-VALUE})")
    String imageSize;

    @Option(names = "--request-size", defaultValue = "64K", description = "partial download request size")
    String requestSize;

    @Option(names = "--max-buffered", defaultValue = "64K",
            description = "bytes each update may hold between network and flash (default ${DEFAULT-VALUE})")
    String maxBuffered;

    @Option(names = "--fleet-buffer", defaultValue = "32MiB",
            description = "bytes all updates together may hold between network and flash (default ${DEFAULT-VALUE})")
    String fleetBuffer;

    @Option(names = "--timing-model", description = "flash operations take their datasheet time (non-blocking)")
    boolean timingModel;

    @Option(names = "--shard", defaultValue = "1/1", paramLabel = "i/n", description = "run part i of n of the fleet")
    String shard;

    @Option(names = "--server", defaultValue = "child", paramLabel = "child|in-process",
            description = "Flota's image server in a child JVM, so CPU figures are the client's alone (default), or "
                    + "in this JVM (CPU figures then include the server)")
    String server;

    @Option(names = "--warmup-devices", defaultValue = "1000",
            description = "unmeasured fleets of this many devices first, for Flota and the reference "
                    + "(default ${DEFAULT-VALUE}, at most the fleet)")
    int warmupDevices;

    @Option(names = "--warmup-seconds", defaultValue = "180",
            description = "and go on with such fleets, each followed by its reference, for at least this long: on 2 "
                    + "cores the JIT compiles the engine's code for about two and a half minutes, the reference's "
                    + "(less code) sooner (default ${DEFAULT-VALUE})")
    double warmupSeconds;

    @Mixin
    BenchOutput output;

    @Override
    public Integer call() throws Exception {
        int[] part = Shards.parse(shard);
        int mine = Shards.size(devices, part[0], part[1]);
        long size = ByteSize.parseInt(imageSize);
        int request = ByteSize.parseInt(requestSize);
        BufferBudget budget;
        try {
            budget = BufferBudget.of(ByteSize.parse(fleetBuffer));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--fleet-buffer " + fleetBuffer + ": " + e.getMessage());
        }
        if (!server.equals("child") && !server.equals("in-process")) {
            throw new UsageException("--server is child or in-process, not " + server);
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-fleet");
        Path served = Files.createDirectories(dir.resolve("www"));
        try {
            EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
            byte[] image = BenchFleet.app("2.0.0", size);
            Files.write(served.resolve("fw.enc.bin"), ImageEncryptor.encrypt(image, EncryptionKey.forDevice(key)));
            long encryptedBytes = Files.size(served.resolve("fw.enc.bin"));
            SelfSignedCertificates tls = SelfSignedCertificates.generate();
            SelfSignedCertificates.PemFiles pems = tls.writeTo(dir.resolve("tls"));
            EncryptedImages.warmUp();
            try (Served running = serve(served, tls, pems)) {
                HttpsOta ota = fleetOta(running.url("fw.enc.bin"), tls.caPem(), request, key, timingModel,
                        ByteSize.parseInt(maxBuffered), budget);
                RawFleet raw = new RawFleet(tls.caPem(), encryptedBytes, request, true);
                int rawConcurrency = (int) Math.max(1, Math.min(mine, budget.capacity() / request));
                int warm = Math.min(mine, Math.max(0, warmupDevices));
                long warmStart = System.nanoTime();
                int warmRounds = 0;
                if (warm > 0) {
                    out.printf("warm-up: fleets of %d devices with Flota, each then %d raw downloads, for at least "
                            + "%.0f s%n", warm, warm, warmupSeconds);
                    out.flush();
                    long until = warmStart + (long) (warmupSeconds * 1e9);
                    do {
                        run(new PrintWriter(Writer.nullWriter()), ota, budget, warm, encryptedBytes, size, part,
                                running);
                        raw.run(running.url("fw.enc.bin"), warm, Math.min(warm, rawConcurrency));
                        warmRounds++;
                    } while (System.nanoTime() < until);
                }
                double warmedSeconds = (System.nanoTime() - warmStart) / 1e9;
                ObjectNode result = run(out, ota, budget, mine, encryptedBytes, size, part, running);
                result.put("warmupDevices", warm).put("warmupRounds", warmRounds)
                        .put("warmupSeconds", round(warmedSeconds));
                result.put("server", running.name());
                addRaw(out, result, raw, running, mine, rawConcurrency);
                Json.print(out, summaryOnly(result));
                output.write("Flota bench fleet", result);
                return result.get("failed").asInt() == 0 && result.get("raw").get("failed").asInt() == 0 ? 0 : 1;
            }
        } finally {
            Directories.deleteTree(dir);
        }
    }

    /** The image server the fleet and its reference download from, and what its CPU costs if it can be told. */
    private interface Served extends AutoCloseable {
        String url(String file);

        String name();

        double cpuSeconds();

        @Override
        void close();
    }

    private Served serve(Path served, SelfSignedCertificates tls, SelfSignedCertificates.PemFiles pems)
            throws Exception {
        if (server.equals("child")) {
            ChildServer child = ChildServer.start(served, pems.serverCert(), pems.serverKey());
            return new Served() {
                public String url(String file) {
                    return child.url(file);
                }

                public String name() {
                    return "flota-child-process";
                }

                public double cpuSeconds() {
                    return child.cpuSeconds();
                }

                public void close() {
                    child.close();
                }
            };
        }
        RunningImageServer running = ImageServer.create().directory(served).tls(tls.serverCertPem(),
                tls.serverKeyPem()).recordRequests(false).bindNow();
        return new Served() {
            public String url(String file) {
                return running.url(file);
            }

            public String name() {
                return "flota-in-process";
            }

            public double cpuSeconds() {
                return -1;
            }

            public void close() {
                running.disposeNow();
            }
        };
    }

    /** The raw Reactor Netty fleet, measured right after Flota's, and the ratio between the two. */
    private static void addRaw(PrintWriter out, ObjectNode result, RawFleet raw, Served running, int count,
            int concurrency) {
        out.printf("reference: %d raw Reactor Netty downloads (HEAD + the same ranged GETs, bytes discarded), "
                + "%d at once%n", count, concurrency);
        out.flush();
        double load = CpuClock.loadAverage();
        CpuClock.HostTicks host = CpuClock.HostTicks.now();
        double cpu0 = CpuClock.processSeconds();
        double server0 = running.cpuSeconds();
        RawFleet.Measured measured = raw.run(running.url("fw.enc.bin"), count, concurrency);
        double cpu = CpuClock.processSeconds() - cpu0;
        double serverCpu = server0 < 0 ? -1 : running.cpuSeconds() - server0;
        ObjectNode node = result.putObject("raw").put("devices", count).put("concurrency", concurrency)
                .put("succeeded", measured.succeeded()).put("failed", measured.failed())
                .put("bytes", measured.bytes()).put("durationSeconds", round(measured.seconds()))
                .put("aggregateMbPerSec", round(measured.mbPerSec()))
                .put("aggregateBytesPerSec", Math.round(measured.mbPerSec() * 1e6))
                .put("clientCpuSeconds", round(cpu)).put("cpuSecondsPerGiB", CpuClock.perGiB(cpu, measured.bytes()))
                .put("serverCpuSeconds", round(serverCpu)).put("loadAverageStart", load)
                .put("loadAverageEnd", CpuClock.loadAverage())
                .put("hostStealPercent", CpuClock.HostTicks.stolenPercentSince(host));
        if (measured.firstError() != null) {
            node.put("firstError", measured.firstError());
        }
        result.put("ratioToRawFleet", ratio(result.get("aggregateBytesPerSec").asDouble(),
                measured.mbPerSec() * 1e6));
        result.put("cpuIncludesServer", running.cpuSeconds() < 0);
    }

    /** Flota's throughput over the reference's, to two decimals; 0 when the reference moved nothing. */
    static double ratio(double flota, double raw) {
        return raw > 0 ? Math.round(flota / raw * 100) / 100.0 : 0;
    }

    private ObjectNode run(PrintWriter out, HttpsOta ota, BufferBudget budget, int count, long encryptedBytes,
            long size, int[] part, Served running) {
        double load = CpuClock.loadAverage();
        CpuClock.HostTicks host = CpuClock.HostTicks.now();
        double cpu0 = CpuClock.processSeconds();
        double server0 = running.cpuSeconds();
        ObjectNode result = run(out, ota, budget, count, encryptedBytes, size, part);
        double cpu = CpuClock.processSeconds() - cpu0;
        double serverCpu = server0 < 0 ? -1 : running.cpuSeconds() - server0;
        return result.put("clientCpuSeconds", round(cpu))
                .put("cpuSecondsPerGiB", CpuClock.perGiB(cpu, result.get("bytes").asLong()))
                .put("serverCpuSeconds", round(serverCpu)).put("loadAverageStart", load)
                .put("loadAverageEnd", CpuClock.loadAverage())
                .put("hostStealPercent", CpuClock.HostTicks.stolenPercentSince(host));
    }

    private ObjectNode run(PrintWriter out, HttpsOta ota, BufferBudget budget, int count, long encryptedBytes,
            long size, int[] part) {
        return updateFleet(out, ota, budget, count, encryptedBytes, size, part, timingModel, requestSize);
    }

    /** The fleet's engine as {@code bench fleet} sets it up: pre-encrypted image, partial download, shared budget. */
    static HttpsOta fleetOta(String url, String caPem, int request, EccDecryptionKey key, boolean timingModel,
            int maxBuffered, BufferBudget budget) {
        return HttpsOta.create().url(url).caPem(caPem).partialHttpDownload(true).maxHttpRequestSize(request)
                .decryptionKey(key).realFlashTiming(timingModel).maxBufferedBytes(maxBuffered).bufferBudget(budget)
                .timeouts(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMinutes(30));
    }

    /** {@code count} devices updated at once by {@code ota}; the figures of {@code bench fleet} without CPU. */
    static ObjectNode updateFleet(PrintWriter out, HttpsOta ota, BufferBudget budget, int count, long encryptedBytes,
            long size, int[] part, boolean timingModel, String requestSize) {
        HeapSampler heap = new HeapSampler();
        SectorPool pool = new SectorPool();
        CompactStorage template = BenchFleet.template(size, pool);
        List<Device> fleet = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            fleet.add(BenchFleet.device(template, timingModel));
        }
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong buffered = new AtomicLong();
        List<Long> latencies = Collections.synchronizedList(new ArrayList<>(count));
        out.printf("bench fleet: %d devices (shard %d/%d), image %d bytes pre-encrypted, HTTPS, %s requests%s%n",
                count, part[0], part[1], encryptedBytes, requestSize, timingModel ? ", flash timing model" : "");
        out.flush();
        long start = System.nanoTime();
        // Mono.when rather than flatMap: flatMap scans all its inner subscribers each time one completes, which is
        // the bench's cost with 10,000 updates in flight, not the engine's
        Mono.when(fleet.stream().map(device -> {
            long t0 = System.nanoTime();
            return ota.update(SimulatedTarget.of(device)).doOnNext(event -> {
                if (event instanceof OtaEvent.Finished f) {
                    succeeded.incrementAndGet();
                    buffered.accumulateAndGet(f.peakBufferedBytes(), Math::max);
                    latencies.add((System.nanoTime() - t0) / 1_000_000);
                }
            }).then().onErrorResume(e -> {
                if (failed.incrementAndGet() <= 5) {
                    out.println("  failure: " + e.getMessage());
                }
                return Mono.empty();
            });
        }).toList()).block();
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        ObjectNode result = Json.object().put("scenario", "fleet").put("date", LocalDate.now().toString())
                .put("shard", part[0] + "/" + part[1]).put("devices", count).put("succeeded", succeeded.get())
                .put("failed", failed.get()).put("imageSize", encryptedBytes)
                .put("bytes", succeeded.get() * encryptedBytes).put("durationSeconds", round(seconds))
                .put("aggregateMbPerSec", round(succeeded.get() * encryptedBytes / 1e6 / seconds))
                .put("aggregateBytesPerSec", Math.round(succeeded.get() * encryptedBytes / seconds))
                .put("p50Ms", Percentiles.nearestRank(sorted, 50))
                .put("p99Ms", Percentiles.nearestRank(sorted, 99))
                .put("heapPeakMiB", heap.peakMiB()).put("heapMaxMiB", Runtime.getRuntime().maxMemory() >> 20)
                .put("bufferedPerUpdateBytes", buffered.get()).put("fleetBufferBytes", budget.capacity())
                .put("timingModel", timingModel);
        heap.close();
        ArrayNode all = result.putArray("latenciesMs");
        sorted.forEach(all::add);
        return result;
    }

    private static ObjectNode summaryOnly(ObjectNode result) {
        ObjectNode copy = result.deepCopy();
        copy.remove("latenciesMs");
        return copy;
    }

    static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }
}
