package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.bench.measure.CpuClock;
import dev.flota.bench.reference.References;
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
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench single}: one device updated over HTTPS, side by side with curl fetching the same bytes from the same
 * server in the same run (one GET, or the same ranged requests in a loop on one connection) and with a naive JDK
 * {@code HttpClient} download to a file. nginx serves when it is installed, else Flota's own server. All cases warm
 * up together first, then each case warms up again and runs {@code --runs} rounds of Flota and curl in turn. A run is
 * back-to-back updates (or curl transfers) for at least {@code --run-seconds}, its MB/s their bytes over their time:
 * a 16 MiB image moves in about 30 ms, so a round of one update each would let a few milliseconds of any hiccup on
 * the shared machine swing its ratio by a fifth. Each case reports the median MB/s with the minimum and maximum, and
 * the median, minimum and maximum of the rounds' ratios to curl. The JDK client runs last, each case after its own
 * warm-up, so that compiling its code overlaps no other run. Each update goes into a device provisioned afresh before
 * its clock starts.
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

    @Option(names = "--runs", defaultValue = "3",
            description = "measured rounds per case (Flota and curl; then the JDK client): median, minimum and "
                    + "maximum (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup-seconds", defaultValue = "5",
            description = "unmeasured runs of all cases together first, then of each case and reference before it, "
                    + "for at least this long each (default ${DEFAULT-VALUE}; at least one run)")
    double warmupSeconds;

    @Option(names = "--run-seconds", defaultValue = "2",
            description = "each run repeats its update or transfer for at least this long and reports their bytes "
                    + "over their time (default ${DEFAULT-VALUE}; at least one each)")
    double runSeconds;

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
                .put("server", serverName).put("imageSize", plainSize).put("runs", Math.max(1, runs))
                .put("warmupSeconds", warmupSeconds).put("runSeconds", runSeconds);
        ArrayNode cases = result.putArray("cases");
        List<Case> selected = CASES.stream().filter(c -> only == null || only.contains(c.name())).toList();
        List<Measurement> updates = new ArrayList<>();
        Supplier<Device> devices = BenchFleet.memoryDevices(plainSize);
        for (Case c : selected) {
            updates.add(update(c, url, tls, ca, key, devices));
        }
        // Every case runs after the JIT compiled what the cases before it share (TLS, Netty, Reactor, the pipeline):
        // so that the first case is not the one that pays for it, all of them warm up together first.
        long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
        do {
            for (Measurement update : updates) {
                update.run();
            }
        } while (System.nanoTime() < warmUntil);
        out.printf(Locale.ROOT, "bench single: %d-byte image from %s over HTTPS, median of %d runs of at least "
                + "%.1f s each (min-max), each run's ratio to the curl run right after it; steal: the share of the "
                + "machine's CPU time its hypervisor gave to others during the case%n", plainSize, serverName,
                Math.max(1, runs), runSeconds);
        out.printf("%-28s %20s %12s %20s %6s%n", "case", "flota MB/s", "curl MB/s", "ratio", "steal");
        List<ObjectNode> nodes = new ArrayList<>();
        for (int i = 0; i < selected.size(); i++) {
            Case c = selected.get(i);
            String file = url.apply(fileName(c));
            long bytes = fileSize(ca, c);
            double load = CpuClock.loadAverage();
            CpuClock.HostTicks host = CpuClock.HostTicks.now();
            List<double[]> measured = alternate(repeated(updates.get(i)),
                    repeated(() -> References.curl(file, ca, bytes, c.requestSize())));
            double[] flota = column(measured, 0);
            double[] curl = column(measured, 1);
            double[] ratios = new double[measured.size()];
            for (int r = 0; r < ratios.length; r++) {
                ratios[r] = measured.get(r)[0] / measured.get(r)[1];
            }
            ObjectNode node = cases.addObject().put("name", c.name()).put("mbPerSec", round(median(flota)))
                    .put("mbPerSecMin", round(min(flota))).put("mbPerSecMax", round(max(flota)))
                    .put("curlMbPerSec", round(median(curl))).put("ratioToCurl", round2(median(ratios)))
                    .put("ratioToCurlMin", round2(min(ratios))).put("ratioToCurlMax", round2(max(ratios)))
                    .put("loadAverageStart", load).put("loadAverageEnd", CpuClock.loadAverage())
                    .put("hostStealPercent", CpuClock.HostTicks.stolenPercentSince(host));
            nodes.add(node);
            ArrayNode each = node.putArray("perRun");
            for (double[] run : measured) {
                each.addObject().put("mbPerSec", round(run[0])).put("curlMbPerSec", round(run[1]))
                        .put("ratioToCurl", round2(run[0] / run[1])).put("hostStealPercent", run[2]);
            }
            out.printf(Locale.ROOT, "%-28s %20s %12.1f %20s %6s%n", c.name(),
                    String.format(Locale.ROOT, "%.1f (%.1f-%.1f)", median(flota), min(flota), max(flota)),
                    median(curl), String.format(Locale.ROOT, "%.2fx (%.2f-%.2f)", median(ratios), min(ratios),
                            max(ratios)), steal(node.get("hostStealPercent").asDouble()));
            out.flush();
        }
        // Last, so that the JIT compiling the JDK's HTTP and TLS stack runs through none of Flota's or curl's rounds.
        out.printf("%-28s %20s%n", "case", "JDK client MB/s");
        for (int i = 0; i < selected.size(); i++) {
            Case c = selected.get(i);
            String file = url.apply(fileName(c));
            long bytes = fileSize(ca, c);
            double[] jdk = column(alternate(repeated(
                    () -> References.jdkHttpClient(file, tls.caPem(), bytes, c.requestSize()))), 0);
            nodes.get(i).put("jdkHttpClientMbPerSec", round(median(jdk)));
            out.printf(Locale.ROOT, "%-28s %20s%n", c.name(), String.format(Locale.ROOT, "%.1f (%.1f-%.1f)",
                    median(jdk), min(jdk), max(jdk)));
            out.flush();
        }
        return result;
    }

    /** One update of case {@code c} into a device provisioned afresh before the clock starts; returns its MB/s. */
    private Measurement update(Case c, Function<String, String> url, SelfSignedCertificates tls, Path ca,
            EccDecryptionKey key, Supplier<Device> devices) throws Exception {
        String file = url.apply(fileName(c));
        long bytes = fileSize(ca, c);
        HttpsOta ota = HttpsOta.create().url(file).caPem(tls.caPem()).partialHttpDownload(c.requestSize() > 0)
                .maxHttpRequestSize(Math.max(1, c.requestSize())).decryptionKey(c.encrypted() ? key : null)
                .maxBufferedBytes(ByteSize.parseInt(maxBuffered))
                .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10));
        return () -> {
            Device device = devices.get();
            long t0 = System.nanoTime();
            ota.update(SimulatedTarget.of(device)).filter(e -> e instanceof OtaEvent.Finished).blockLast();
            return bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
        };
    }

    /**
     * {@code once} repeated for at least {@code --run-seconds}: the MB/s of all its bytes over all its time, which for
     * equal transfers is the harmonic mean of their MB/s.
     */
    private Measurement repeated(Measurement once) {
        return () -> {
            long until = System.nanoTime() + (long) (runSeconds * 1e9);
            double secondsPerMb = 0;
            int count = 0;
            do {
                secondsPerMb += 1 / once.run();
                count++;
            } while (System.nanoTime() < until);
            return count / secondsPerMb;
        };
    }

    /**
     * Warm-up runs of each measurement for at least {@code --warmup-seconds}, then {@code --runs} rounds of all of
     * them, one after the other, so that each round's runs share the machine's mood. Each round ends with the share of
     * the CPU time stolen during it, so that a slow round can be told from a busy host.
     */
    private List<double[]> alternate(Measurement... measurements) throws Exception {
        for (Measurement m : measurements) {
            long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
            do {
                m.run();
            } while (System.nanoTime() < warmUntil);
        }
        List<double[]> rounds = new ArrayList<>();
        for (int i = 0; i < Math.max(1, runs); i++) {
            double[] round = new double[measurements.length + 1];
            CpuClock.HostTicks host = CpuClock.HostTicks.now();
            for (int m = 0; m < measurements.length; m++) {
                round[m] = measurements[m].run();
            }
            round[measurements.length] = CpuClock.HostTicks.stolenPercentSince(host);
            rounds.add(round);
        }
        return rounds;
    }

    private static long fileSize(Path ca, Case c) throws IOException {
        return Files.size(ca.getParent().getParent().resolve(fileName(c)));
    }

    private static String fileName(Case c) {
        return c.encrypted() ? "encrypted.bin" : "plain.bin";
    }

    private static double[] column(List<double[]> rounds, int index) {
        return rounds.stream().mapToDouble(r -> r[index]).toArray();
    }

    static double median(double[] values) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        return sorted[sorted.length / 2];
    }

    private static double min(double[] values) {
        return Arrays.stream(values).min().orElse(0);
    }

    private static double max(double[] values) {
        return Arrays.stream(values).max().orElse(0);
    }

    private static String steal(double percent) {
        return percent < 0 ? "-" : String.format(Locale.ROOT, "%.1f%%", percent);
    }

    private static double round2(double value) {
        return Math.round(value * 100) / 100.0;
    }

    private static double round(double value) {
        return Math.round(value * 10) / 10.0;
    }

    @FunctionalInterface
    private interface Measurement {
        double run() throws Exception;
    }
}
