package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.flash.device.Device;
import dev.flota.flash.nor.CompactStorage;
import dev.flota.flash.nor.SectorPool;
import dev.flota.flash.testing.Directories;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptedImages;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.sim.SimulatedTarget;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
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
 * {@code bench faults}: the fleet against servers that reset connections mid-body, stall, or change the image during
 * the download, and devices whose power is cut at a seeded random flash operation, then reboot and resume; reports
 * per case how many updates completed, how many devices boot nothing, and the bytes downloaded twice or discarded,
 * both as the engine counts them and from the server's count.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "The fleet with injected connection resets, stalls, a changing image and power cuts.")
final class FaultsBenchCommand implements Callable<Integer> {

    static final int REQUEST = 64 * 1024;
    private static final String NEW_VERSION = "2.0.0";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--devices", defaultValue = "200", description = "devices per case (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--image-size", defaultValue = "256K", description = "firmware size (default ${DEFAULT-VALUE})")
    String imageSize;

    @Option(names = "--seed", defaultValue = "1", description = "seed of the power-cut points (default ${DEFAULT-VALUE})")
    long seed;

    @Mixin
    BenchOutput output;

    /** One case: what the server does, and whether each device's power is cut once during its update. */
    private record Case(String name, ServerFaults faults, boolean powerCut) {
    }

    /** Over a fleet: updates finished with the new image booting, devices booting nothing, cuts that happened. */
    record Outcome(long completed, long bricked, long wasted, long powerCuts) {
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-faults");
        try {
            EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
            byte[] image = ImageEncryptor.encrypt(BenchFleet.app(NEW_VERSION, ByteSize.parseInt(imageSize)),
                    EncryptionKey.forDevice(key));
            byte[] changed = ImageEncryptor.encrypt(BenchFleet.app("2.0.1", ByteSize.parseInt(imageSize)),
                    EncryptionKey.forDevice(key));
            int third = image.length / 3;
            List<Case> cases = List.of(
                    new Case("clean", ServerFaults.none(), false),
                    new Case("reset-every-response-after-40k", ServerFaults.none().closeAfter(40_000), false),
                    new Case("reset-once-at-one-third", ServerFaults.none().closeOnceAfter(third), false),
                    new Case("stall-every-response-after-100k", ServerFaults.none().stallAfter(100_000), false),
                    new Case("image-replaced-after-3-requests", ServerFaults.none().replaceAfter(3, changed), false),
                    new Case("power-cut-at-random-flash-op-then-resume", ServerFaults.none(), true));
            SelfSignedCertificates tls = SelfSignedCertificates.generate();
            EncryptedImages.warmUp();
            SectorPool pool = new SectorPool();
            CompactStorage template = BenchFleet.template(image.length, pool);
            ObjectNode result = Json.object().put("scenario", "faults").put("date", LocalDate.now().toString())
                    .put("devices", devices).put("imageSize", image.length);
            ArrayNode rows = result.putArray("cases");
            out.printf("%-42s %10s %8s %8s %6s %14s %14s%n", "case", "completed", "rate", "bricked", "cuts",
                    "wasted bytes", "server wasted");
            boolean allCompleted = true;
            for (Case c : cases) {
                Path caseDir = Files.createDirectories(dir.resolve(c.name()));
                Files.write(caseDir.resolve("fw.bin"), image);
                try (RunningImageServer server = ImageServer.create().directory(caseDir)
                        .tls(tls.serverCertPem(), tls.serverKeyPem()).handler(ServerFaults.inject(c.faults()))
                        .bindNow()) {
                    HttpsOta ota = HttpsOta.create().url(server.url("fw.bin")).caPem(tls.caPem())
                            .partialHttpDownload(true).maxHttpRequestSize(REQUEST).decryptionKey(key)
                            .timeouts(Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofMinutes(5))
                            .retries(5, Duration.ofMillis(20), Duration.ofMillis(500));
                    long operations = c.powerCut() ? PowerCuts.operationsPerUpdate(ota.resume(true), template) : 0;
                    long sentBefore = server.requests().bodyBytes();
                    long requestsBefore = server.requests().count();
                    Outcome outcome = c.powerCut() ? PowerCuts.run(ota.resume(true), template, devices, operations,
                            seed, NEW_VERSION) : run(ota, template);
                    long sent = server.requests().bodyBytes() - sentBefore;
                    long requests = server.requests().count() - requestsBefore;
                    long serverWasted = sent - (long) devices * image.length;
                    double rate = outcome.completed() / (double) devices;
                    allCompleted &= outcome.completed() == devices && outcome.bricked() == 0;
                    ObjectNode row = rows.addObject().put("name", c.name()).put("completed", outcome.completed())
                            .put("completionRate", Math.round(rate * 1000) / 1000.0)
                            .put("wastedBytes", outcome.wasted())
                            .put("sentBytes", sent).put("requests", requests)
                            .put("bricked", outcome.bricked()).put("serverWastedBytes", serverWasted);
                    if (c.powerCut()) {
                        row.put("powerCuts", outcome.powerCuts()).put("seed", seed).put("requestSize", REQUEST)
                                .put("flashOperationsPerUpdate", operations);
                    }
                    out.printf(Locale.ROOT, "%-42s %10d %7.1f%% %8d %6d %14d %14d%n", c.name(), outcome.completed(),
                            rate * 100, outcome.bricked(), outcome.powerCuts(), outcome.wasted(), serverWasted);
                    out.flush();
                }
            }
            output.write("Flota bench faults", result);
            return allCompleted ? 0 : 1;
        } finally {
            Directories.deleteTree(dir);
        }
    }

    private Outcome run(HttpsOta ota, CompactStorage template) {
        AtomicInteger completed = new AtomicInteger();
        AtomicLong wasted = new AtomicLong();
        List<Device> fleet = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            fleet.add(BenchFleet.device(template, false));
        }
        Flux.fromIterable(fleet).flatMap(device -> ota.update(SimulatedTarget.of(device)).doOnNext(event -> {
            if (event instanceof OtaEvent.Finished f) {
                completed.incrementAndGet();
                wasted.addAndGet(f.bytesWasted());
            }
        }).then().onErrorResume(e -> Mono.empty()), devices).blockLast();
        long bricked = fleet.stream().filter(device -> device.reboot().booted().isEmpty()).count();
        return new Outcome(completed.get(), bricked, wasted.get(), 0);
    }
}
