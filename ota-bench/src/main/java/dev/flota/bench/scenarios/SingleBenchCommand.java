package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.flash.device.Device;
import dev.flota.flash.testing.Directories;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptedImages;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.NginxServer;
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
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench single}: one device updated over HTTPS, side by side with curl fetching the same bytes from the same
 * server in the same run (one GET, or the same ranged requests in a loop on one connection) and with a naive JDK
 * {@code HttpClient} download to a file. nginx serves when it is installed, else Flota's own server.
 */
@Command(name = "single", mixinStandardHelpOptions = true,
        description = "One device, five cases (plain/encrypted, whole/partial), against curl and the JDK HttpClient.")
final class SingleBenchCommand implements Callable<Integer> {

    record Case(String name, boolean encrypted, int requestSize) {
    }

    static final List<Case> CASES = List.of(new Case("https-plain-whole", false, 0),
            new Case("https-encrypted-whole", true, 0), new Case("https-plain-partial-4k", false, 4096),
            new Case("https-plain-partial-64k", false, 65536), new Case("https-encrypted-partial-4k", true, 4096));

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--image-size", defaultValue = "16MiB", description = "firmware size (default ${DEFAULT-VALUE})")
    String imageSize;

    @Option(names = "--runs", defaultValue = "3", description = "measured runs per case, median kept")
    int runs;

    @Option(names = "--warmup-seconds", defaultValue = "5",
            description = "unmeasured runs of each case and reference first, for at least this long (default "
                    + "${DEFAULT-VALUE}; at least one run)")
    double warmupSeconds;

    @Option(names = "--max-buffered", defaultValue = "64K",
            description = "bytes the update may hold between network and flash (default ${DEFAULT-VALUE})")
    String maxBuffered;

    @Option(names = "--case", paramLabel = "NAME", description = "only these cases (default: all five)")
    List<String> only;

    @Mixin
    BenchOutput output;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-single");
        try {
            EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
            byte[] image = BenchFleet.app("2.0.0", ByteSize.parseInt(imageSize));
            Files.write(dir.resolve("plain.bin"), image);
            Files.write(dir.resolve("encrypted.bin"), ImageEncryptor.encrypt(image, EncryptionKey.forDevice(key)));
            SelfSignedCertificates tls = SelfSignedCertificates.generate();
            Path ca = tls.writeTo(dir.resolve("tls")).ca();
            EncryptedImages.warmUp();
            boolean nginx = NginxServer.available();
            ObjectNode result;
            if (nginx) {
                try (NginxServer.Running server = NginxServer.create().directory(dir)
                        .tls(tls.serverCertPem(), tls.serverKeyPem()).startNow()) {
                    result = measure(out, "nginx", server::url, tls, ca, key, image.length);
                }
            } else {
                out.println("nginx is not installed: measuring against Flota's own server");
                try (RunningImageServer server = ImageServer.create().directory(dir).tls(tls.serverCertPem(),
                        tls.serverKeyPem()).recordRequests(false).bindNow()) {
                    result = measure(out, "flota", server::url, tls, ca, key, image.length);
                }
            }
            output.write("Flota bench single", result);
            return 0;
        } finally {
            Directories.deleteTree(dir);
        }
    }

    private ObjectNode measure(PrintWriter out, String serverName, Function<String, String> url,
            SelfSignedCertificates tls, Path ca, EccDecryptionKey key, int plainSize) throws Exception {
        ObjectNode result = Json.object().put("scenario", "single").put("date", LocalDate.now().toString())
                .put("server", serverName).put("imageSize", plainSize);
        ArrayNode cases = result.putArray("cases");
        out.printf("bench single: %d-byte image from %s over HTTPS, median of %d runs%n", plainSize, serverName, runs);
        out.printf("%-28s %12s %12s %10s %14s%n", "case", "flota MB/s", "curl MB/s", "ratio", "JDK client MB/s");
        for (Case c : CASES) {
            if (only != null && !only.contains(c.name())) {
                continue;
            }
            String file = url.apply(c.encrypted() ? "encrypted.bin" : "plain.bin");
            long bytes = Files.size(ca.getParent().getParent().resolve(c.encrypted() ? "encrypted.bin" : "plain.bin"));
            HttpsOta ota = HttpsOta.create().url(file).caPem(tls.caPem()).partialHttpDownload(c.requestSize() > 0)
                    .maxHttpRequestSize(Math.max(1, c.requestSize())).decryptionKey(c.encrypted() ? key : null)
                    .maxBufferedBytes(ByteSize.parseInt(maxBuffered))
                    .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10));
            double flota = median(() -> {
                Device device = BenchFleet.memoryDevice(plainSize);
                long t0 = System.nanoTime();
                ota.update(SimulatedTarget.of(device)).filter(e -> e instanceof OtaEvent.Finished).blockLast();
                return bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
            });
            double curl = median(() -> References.curl(file, ca, bytes, c.requestSize()));
            double jdk = median(() -> References.jdkHttpClient(file, tls.caPem(), bytes, c.requestSize()));
            double ratio = flota / curl;
            cases.addObject().put("name", c.name()).put("mbPerSec", round(flota)).put("curlMbPerSec", round(curl))
                    .put("ratioToCurl", Math.round(ratio * 100) / 100.0).put("jdkHttpClientMbPerSec", round(jdk));
            out.printf(Locale.ROOT, "%-28s %12.1f %12.1f %9.2fx %14.1f%n", c.name(), flota, curl, ratio, jdk);
            out.flush();
        }
        return result;
    }

    private double median(Measurement measurement) throws Exception {
        long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            measurement.run();
        } while (System.nanoTime() < warmUntil);
        List<Double> values = new ArrayList<>();
        for (int i = 0; i < Math.max(1, runs); i++) {
            values.add(measurement.run());
        }
        values.sort(null);
        return values.get(values.size() / 2);
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    @FunctionalInterface
    private interface Measurement {
        double run() throws Exception;
    }
}
