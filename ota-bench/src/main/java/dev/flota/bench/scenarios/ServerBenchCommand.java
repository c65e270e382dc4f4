package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.bench.scenarios.ServerLoad.Measured;
import dev.flota.flash.testing.Directories;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import io.netty.handler.ssl.SslContext;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.resources.LoopResources;

/**
 * {@code bench server}: Flota's image server against nginx under the same load. Both serve the same random file from
 * the same directory with the same certificate; one load generator (Reactor Netty, its own event loops, a connection
 * pool sized for the clients) drives each in turn: every client runs a sequence of ranged GETs at random aligned
 * offsets on a kept-alive connection, and every response must be a 206 with exactly the requested bytes. Both servers
 * run side by side: warm-up passes over both first (the JIT warms the shared load generator for both), then measured
 * runs alternate between them and the median run of each is kept. Reports requests/s and MB/s (10^6 bytes) for each
 * and the ratio of ours to nginx.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Flota's image server against nginx under the same load: ranged GETs from many concurrent "
                + "clients on kept-alive connections; requests/s, throughput and the ratio.")
final class ServerBenchCommand implements Callable<Integer> {

    private static final String FILE = "image.bin";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--clients", defaultValue = "1000", description = "concurrent clients (default ${DEFAULT-VALUE})")
    int clients;

    @Option(names = "--requests-per-client", defaultValue = "20",
            description = "ranged requests each client makes (default ${DEFAULT-VALUE})")
    int requestsPerClient;

    @Option(names = "--image-size", defaultValue = "1MiB", description = "served file size (default ${DEFAULT-VALUE})")
    String imageSize;

    @Option(names = "--range-size", defaultValue = "64KiB",
            description = "bytes per ranged request (default ${DEFAULT-VALUE})")
    String rangeSize;

    @Option(names = "--warmup-seconds", defaultValue = "5",
            description = "unmeasured passes over both servers first, for at least this long (default "
                    + "${DEFAULT-VALUE}; at least one pass each)")
    double warmupSeconds;

    @Option(names = "--rounds", defaultValue = "3",
            description = "measured runs of each server, alternating; the median is kept (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--tls", description = "HTTPS with a throw-away CA (the default)")
    boolean tls;

    @Option(names = "--plain", description = "plain HTTP instead of HTTPS")
    boolean plain;

    @Mixin
    BenchOutput output;

    @Override
    public Integer call() throws Exception {
        if (tls && plain) {
            throw new UsageException("--tls and --plain exclude each other");
        }
        if (clients < 1 || requestsPerClient < 1) {
            throw new UsageException("--clients and --requests-per-client must be at least 1");
        }
        long image = ByteSize.parseFlashSize(imageSize);
        long range = ByteSize.parseFlashSize(rangeSize);
        if (range > image) {
            throw new UsageException("--range-size " + rangeSize + " is larger than --image-size " + imageSize);
        }
        boolean secure = !plain;
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-bench-server");
        LoopResources loops = LoopResources.create("bench-client", Math.max(1,
                Runtime.getRuntime().availableProcessors()), true);
        try {
            writeRandom(dir.resolve(FILE), image);
            SelfSignedCertificates certs = secure ? SelfSignedCertificates.generate() : null;
            SslContext ssl = secure ? Http11SslContextSpec.forClient()
                    .configure(b -> b.trustManager(new ByteArrayInputStream(
                            certs.caPem().getBytes(StandardCharsets.US_ASCII))))
                    .sslContext() : null;
            ServerLoad load = new ServerLoad(clients, requestsPerClient, image, range, ssl, loops);
            out.printf("%d clients x %d ranged GETs of %d bytes on a %d-byte file over %s%n", clients,
                    requestsPerClient, range, image, secure ? "HTTPS" : "HTTP");
            out.flush();

            ImageServer config = ImageServer.create().directory(dir).recordRequests(false);
            boolean nginxAvailable = NginxServer.available();
            NginxServer nginxConfig = NginxServer.create().directory(dir);
            Measured flota;
            Measured nginx = null;
            try (RunningImageServer ours = (secure ? config.tls(certs.serverCertPem(), certs.serverKeyPem())
                    : config).bindNow();
                    NginxServer.Running theirs = !nginxAvailable ? null : (secure ? nginxConfig.tls(
                            certs.serverCertPem(), certs.serverKeyPem()) : nginxConfig).startNow()) {
                List<String> urls = theirs == null ? List.of(ours.url(FILE))
                        : List.of(ours.url(FILE), theirs.url(FILE));
                long warmUntil = System.nanoTime() + (long) (warmupSeconds * 1e9);
                do {
                    urls.forEach(load::warmUp);
                } while (System.nanoTime() < warmUntil);
                List<List<Measured>> runs = List.of(new ArrayList<>(), new ArrayList<>());
                for (int round = 0; round < Math.max(1, rounds); round++) {
                    for (int i = 0; i < urls.size(); i++) {
                        runs.get(i).add(load.run(urls.get(i)));
                    }
                }
                flota = median(runs.get(0));
                report(out, "flota", flota);
                if (theirs != null) {
                    nginx = median(runs.get(1));
                    report(out, "nginx", nginx);
                }
            }
            if (!nginxAvailable) {
                out.println("nginx is not installed: only Flota's server was measured");
            }

            Double ratio = nginx != null && nginx.requestsPerSec() > 0
                    ? round(flota.requestsPerSec() / nginx.requestsPerSec(), 100) : null;
            printTable(out, flota, nginx, ratio);

            ObjectNode result = Json.object()
                    .put("scenario", "server")
                    .put("date", LocalDate.now().toString())
                    .put("clients", clients)
                    .put("requests", (long) clients * requestsPerClient)
                    .put("rangeSize", range);
            result.set("flota", figures(flota));
            result.set("nginx", nginx == null ? Json.MAPPER.nullNode() : figures(nginx));
            if (ratio == null) {
                result.putNull("ratioToNginx");
            } else {
                result.put("ratioToNginx", ratio);
            }
            result.put("nginxAvailable", nginxAvailable);
            output.write("Flota bench: server", result);
            boolean failed = flota.failures() > 0 || (nginx != null && nginx.failures() > 0);
            return failed ? 1 : 0;
        } finally {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
            Directories.deleteTreeQuietly(dir);
        }
    }

    /** The run with the median request rate, carrying the failures of every run. */
    private static Measured median(List<Measured> runs) {
        List<Measured> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(Measured::requestsPerSec));
        Measured middle = sorted.get(sorted.size() / 2);
        int failures = runs.stream().mapToInt(Measured::failures).sum();
        String firstError = runs.stream().map(Measured::firstError).filter(Objects::nonNull).findFirst()
                .orElse(null);
        return new Measured(middle.requests(), middle.bytes(), middle.seconds(), failures, firstError);
    }

    private static ObjectNode figures(Measured m) {
        return Json.object()
                .put("requestsPerSec", round(m.requestsPerSec(), 10))
                .put("mbPerSec", round(m.mbPerSec(), 10));
    }

    private static double round(double value, int scale) {
        return Math.round(value * scale) / (double) scale;
    }

    private void report(PrintWriter out, String name, Measured m) {
        out.printf("%s: %d requests in %.2f s%s%n", name, m.requests(), m.seconds(),
                m.failures() == 0 ? "" : ", " + m.failures() + " FAILED (first: " + m.firstError() + ")");
        out.flush();
    }

    private static void printTable(PrintWriter out, Measured flota, Measured nginx, Double ratio) {
        out.printf("%n%-8s %12s %10s %9s%n", "server", "requests/s", "MB/s", "failures");
        out.printf("%-8s %12.0f %10.1f %9d%n", "flota", flota.requestsPerSec(), flota.mbPerSec(), flota.failures());
        if (nginx != null) {
            out.printf("%-8s %12.0f %10.1f %9d%n", "nginx", nginx.requestsPerSec(), nginx.mbPerSec(),
                    nginx.failures());
            out.printf("ratio flota/nginx: %.2f%n", ratio == null ? 0.0 : ratio);
        } else {
            out.printf("%-8s %12s %10s %9s%n", "nginx", "-", "-", "-");
        }
        out.flush();
    }

    private static void writeRandom(Path file, long size) throws IOException {
        Random random = new Random(ServerLoad.SEED);
        byte[] chunk = new byte[64 * 1024];
        try (OutputStream stream = Files.newOutputStream(file)) {
            for (long written = 0; written < size; written += chunk.length) {
                random.nextBytes(chunk);
                stream.write(chunk, 0, (int) Math.min(chunk.length, size - written));
            }
        }
    }
}
