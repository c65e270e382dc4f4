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
 * the download; reports per case how many updates completed and how many bytes were downloaded twice or discarded.
 */
@Command(name = "faults", mixinStandardHelpOptions = true,
        description = "The fleet with injected connection resets, stalls and a changing image.")
final class FaultsBenchCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--devices", defaultValue = "200", description = "devices per case (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--image-size", defaultValue = "256K", description = "firmware size (default ${DEFAULT-VALUE})")
    String imageSize;

    @Mixin
    BenchOutput output;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-faults");
        try {
            EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
            byte[] image = ImageEncryptor.encrypt(BenchFleet.app("2.0.0", ByteSize.parseInt(imageSize)),
                    EncryptionKey.forDevice(key));
            byte[] changed = ImageEncryptor.encrypt(BenchFleet.app("2.0.1", ByteSize.parseInt(imageSize)),
                    EncryptionKey.forDevice(key));
            int third = image.length / 3;
            List<Object[]> cases = List.of(
                    new Object[] {"clean", ServerFaults.none()},
                    new Object[] {"reset-every-response-after-40k", ServerFaults.none().closeAfter(40_000)},
                    new Object[] {"reset-once-at-one-third", ServerFaults.none().closeOnceAfter(third)},
                    new Object[] {"stall-every-response-after-100k", ServerFaults.none().stallAfter(100_000)},
                    new Object[] {"image-replaced-after-3-requests", ServerFaults.none().replaceAfter(3, changed)});
            SelfSignedCertificates tls = SelfSignedCertificates.generate();
            EncryptedImages.warmUp();
            SectorPool pool = new SectorPool();
            CompactStorage template = BenchFleet.template(image.length, pool);
            ObjectNode result = Json.object().put("scenario", "faults").put("date", LocalDate.now().toString())
                    .put("devices", devices).put("imageSize", image.length);
            ArrayNode rows = result.putArray("cases");
            out.printf("%-34s %10s %12s %14s%n", "case", "completed", "rate", "wasted bytes");
            boolean allCompleted = true;
            for (Object[] c : cases) {
                Path caseDir = Files.createDirectories(dir.resolve((String) c[0]));
                Files.write(caseDir.resolve("fw.bin"), image);
                try (RunningImageServer server = ImageServer.create().directory(caseDir)
                        .tls(tls.serverCertPem(), tls.serverKeyPem()).handler(ServerFaults.inject((ServerFaults) c[1]))
                        .bindNow()) {
                    HttpsOta ota = HttpsOta.create().url(server.url("fw.bin")).caPem(tls.caPem())
                            .partialHttpDownload(true).maxHttpRequestSize(64 * 1024).decryptionKey(key)
                            .timeouts(Duration.ofSeconds(10), Duration.ofMillis(500), Duration.ofMinutes(5))
                            .retries(5, Duration.ofMillis(20), Duration.ofMillis(500));
                    long[] outcome = run(ota, template);
                    double rate = outcome[0] / (double) devices;
                    allCompleted &= outcome[0] == devices;
                    rows.addObject().put("name", (String) c[0]).put("completed", outcome[0])
                            .put("completionRate", Math.round(rate * 1000) / 1000.0).put("wastedBytes", outcome[1])
                            .put("sentBytes", server.requests().bodyBytes()).put("requests", server.requests().count());
                    out.printf(Locale.ROOT, "%-34s %10d %11.1f%% %14d%n", c[0], outcome[0], rate * 100, outcome[1]);
                    out.flush();
                }
            }
            output.write("Flota bench faults", result);
            return allCompleted ? 0 : 1;
        } finally {
            Directories.deleteTree(dir);
        }
    }

    /** {completed, wasted bytes} over the fleet. */
    private long[] run(HttpsOta ota, CompactStorage template) {
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
        return new long[] {completed.get(), wasted.get()};
    }
}
