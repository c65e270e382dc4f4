package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.bench.fleet.Percentiles;
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
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code bench fleet}: N simulated devices update concurrently from one HTTPS server with a pre-encrypted image and
 * 64 KiB partial download, all sharing one {@link BufferBudget} ({@code --fleet-buffer}); reports aggregate
 * throughput, update-time percentiles, peak heap and the bytes each update held between the network and the flash.
 * {@code --shard i/n} runs one part of the fleet for {@code bench merge}.
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

    @Mixin
    BenchOutput output;

    @Override
    public Integer call() throws Exception {
        int[] part = Shards.parse(shard);
        int mine = Shards.size(devices, part[0], part[1]);
        long size = ByteSize.parseInt(imageSize);
        BufferBudget budget;
        try {
            budget = BufferBudget.of(ByteSize.parse(fleetBuffer));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--fleet-buffer " + fleetBuffer + ": " + e.getMessage());
        }
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-fleet");
        try {
            EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
            byte[] image = BenchFleet.app("2.0.0", size);
            Files.write(dir.resolve("fw.enc.bin"), ImageEncryptor.encrypt(image, EncryptionKey.forDevice(key)));
            SelfSignedCertificates tls = SelfSignedCertificates.generate();
            EncryptedImages.warmUp();
            try (RunningImageServer server = ImageServer.create().directory(dir).tls(tls.serverCertPem(),
                    tls.serverKeyPem()).recordRequests(false).bindNow()) {
                HttpsOta ota = HttpsOta.create().url(server.url("fw.enc.bin")).caPem(tls.caPem())
                        .partialHttpDownload(true).maxHttpRequestSize(ByteSize.parseInt(requestSize))
                        .decryptionKey(key).realFlashTiming(timingModel)
                        .maxBufferedBytes(ByteSize.parseInt(maxBuffered))
                        .bufferBudget(budget)
                        .timeouts(Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofMinutes(30));
                ObjectNode result = run(out, ota, budget, mine, image.length + 512L, size, part);
                Json.print(out, summaryOnly(result));
                output.write("Flota bench fleet", result);
                return result.get("failed").asInt() == 0 ? 0 : 1;
            }
        } finally {
            Directories.deleteTree(dir);
        }
    }

    private ObjectNode run(PrintWriter out, HttpsOta ota, BufferBudget budget, int count, long encryptedBytes,
            long size, int[] part) {
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
        Flux.fromIterable(fleet).flatMap(device -> {
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
        }, Math.max(1, count)).blockLast();
        double seconds = (System.nanoTime() - start) / 1e9;
        List<Long> sorted = new ArrayList<>(latencies);
        Collections.sort(sorted);
        ObjectNode result = Json.object().put("scenario", "fleet").put("date", LocalDate.now().toString())
                .put("shard", part[0] + "/" + part[1]).put("devices", count).put("succeeded", succeeded.get())
                .put("failed", failed.get()).put("imageSize", encryptedBytes)
                .put("bytes", succeeded.get() * encryptedBytes).put("durationSeconds", round(seconds))
                .put("aggregateMbPerSec", round(succeeded.get() * encryptedBytes / 1e6 / seconds))
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
