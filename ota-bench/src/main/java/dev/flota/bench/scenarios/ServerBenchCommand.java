package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.bench.scenarios.ServerLoad.Measured;
import dev.flota.bench.measure.CpuClock;
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
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
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
 * run side by side: warm-up passes over both first (the JIT warms the shared load generator for both, and Flota's
 * server; they go on while the JIT is busy), then measured runs alternate between them and the median run of each is
 * kept. Reports requests/s and MB/s (10^6 bytes) for each
 * and the ratio of ours to nginx in each round (median, minimum, maximum), with the CPU each server and the load
 * generator spent per request and the TLS protocol and cipher suite negotiated.
 */
@Command(name = "server", mixinStandardHelpOptions = true,
        description = "Flota's image server against nginx under the same load: ranged GETs from many concurrent "
                + "clients on kept-alive connections; requests/s, throughput and the ratio.")
final class ServerBenchCommand implements Callable<Integer> {

    private static final String FILE = "image.bin";
    /** The load generator's event loops, and those of Flota's server (named in {@code ImageServer}'s javadoc). */
    private static final String CLIENT_LOOPS = "bench-client";
    private static final String SERVER_LOOPS = "flota-server";
    /** The share of a warm-up pass's time the JIT may still take for the JVM to count as warm. */
    private static final double JIT_SETTLED = 0.05;

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

    @Option(names = "--warmup-seconds", defaultValue = "20",
            description = "unmeasured passes over both servers first, for at least this long (default "
                    + "${DEFAULT-VALUE}: a JVM server's JIT compiles for seconds under this load), and on while the "
                    + "JIT is still busy, up to three times as long; at least one pass each")
    double warmupSeconds;

    @Option(names = "--rounds", defaultValue = "3",
            description = "measured runs of each server, alternating; the median is kept (default ${DEFAULT-VALUE})")
    int rounds;

    @Option(names = "--tls", description = "HTTPS with a throw-away CA (the default)")
    boolean tls;

    @Option(names = "--plain", description = "plain HTTP instead of HTTPS")
    boolean plain;

    @Option(names = "--server", defaultValue = "in-process", paramLabel = "in-process|child",
            description = "Flota's server in the bench's JVM, sharing it with the load generator (default), or in a "
                    + "JVM of its own, as nginx is a process of its own (HTTPS only)")
    String server;

    @Mixin
    BenchOutput output;

    /** A server under load: where to send the requests, and the CPU it has used so far. */
    private record Target(String url, DoubleSupplier cpuSeconds) {
    }

    @Override
    public Integer call() throws Exception {
        if (tls && plain) {
            throw new UsageException("--tls and --plain exclude each other");
        }
        if (clients < 1 || requestsPerClient < 1) {
            throw new UsageException("--clients and --requests-per-client must be at least 1");
        }
        if (!server.equals("in-process") && !server.equals("child")) {
            throw new UsageException("--server is in-process or child, not " + server);
        }
        boolean child = server.equals("child");
        if (child && plain) {
            throw new UsageException("--server child serves HTTPS only");
        }
        long image = ByteSize.parseFlashSize(imageSize);
        long range = ByteSize.parseFlashSize(rangeSize);
        if (range > image) {
            throw new UsageException("--range-size " + rangeSize + " is larger than --image-size " + imageSize);
        }
        boolean secure = !plain;
        PrintWriter out = spec.commandLine().getOut();
        Path dir = Files.createTempDirectory("flota-bench-server");
        Path www = Files.createDirectories(dir.resolve("www"));
        LoopResources loops = LoopResources.create(CLIENT_LOOPS, Math.max(1,
                Runtime.getRuntime().availableProcessors()), true);
        try {
            writeRandom(www.resolve(FILE), image);
            SelfSignedCertificates certs = secure ? SelfSignedCertificates.generate() : null;
            SslContext ssl = secure ? Http11SslContextSpec.forClient()
                    .configure(b -> b.trustManager(new ByteArrayInputStream(
                            certs.caPem().getBytes(StandardCharsets.US_ASCII))))
                    .sslContext() : null;
            ServerLoad load = new ServerLoad(clients, requestsPerClient, image, range, ssl, loops);
            out.printf("%d clients x %d ranged GETs of %d bytes on a %d-byte file over %s, Flota's server %s%n",
                    clients, requestsPerClient, range, image, secure ? "HTTPS" : "HTTP",
                    child ? "in a child JVM" : "in this JVM");
            out.flush();

            ImageServer config = ImageServer.create().directory(www).recordRequests(false);
            boolean nginxAvailable = NginxServer.available();
            NginxServer nginxConfig = NginxServer.create().directory(www);
            double loadStart = CpuClock.loadAverage();
            List<ServerRounds> runs = List.of(new ServerRounds(), new ServerRounds());
            double warmedSeconds;
            try (RunningImageServer ours = child ? null : (secure ? config.tls(certs.serverCertPem(),
                            certs.serverKeyPem()) : config).bindNow();
                    ChildServer ourChild = !child ? null : childServer(www, dir, certs);
                    NginxServer.Running theirs = !nginxAvailable ? null : (secure ? nginxConfig.tls(
                            certs.serverCertPem(), certs.serverKeyPem()) : nginxConfig).startNow()) {
                List<Target> targets = new ArrayList<>();
                targets.add(child ? new Target(ourChild.url(FILE), ourChild::cpuSeconds)
                        : new Target(ours.url(FILE), () -> CpuClock.threadSeconds(SERVER_LOOPS)));
                if (theirs != null) {
                    targets.add(new Target(theirs.url(FILE), () -> CpuClock.descendantSeconds("nginx")));
                }
                warmedSeconds = warmUp(load, targets);
                for (int round = 0; round < Math.max(1, rounds); round++) {
                    for (int i = 0; i < targets.size(); i++) {
                        runs.get(i).add(measure(load, targets.get(i)));
                    }
                }
                report(out, "flota", runs.get(0));
                if (theirs != null) {
                    report(out, "nginx", runs.get(1));
                }
            }
            if (!nginxAvailable) {
                out.println("nginx is not installed: only Flota's server was measured");
            }
            ServerRounds flota = runs.get(0);
            ServerRounds nginx = nginxAvailable ? runs.get(1) : null;
            double[] ratios = nginx == null ? null : roundRatios(flota, nginx);
            printTable(out, flota, nginx, ratios);

            ObjectNode result = Json.object()
                    .put("scenario", "server")
                    .put("date", LocalDate.now().toString())
                    .put("clients", clients)
                    .put("requests", (long) clients * requestsPerClient)
                    .put("rangeSize", range)
                    .put("server", child ? "child" : "in-process")
                    .put("warmupSeconds", ServerRounds.round(warmedSeconds, 10))
                    .put("rounds", flota.rounds().size());
            result.set("flota", flota.figures());
            result.set("nginx", nginx == null ? Json.MAPPER.nullNode() : nginx.figures());
            if (ratios == null) {
                result.putNull("ratioToNginx");
            } else {
                result.put("ratioToNginx", ServerRounds.round(ServerRounds.median(ratios.clone()), 100))
                        .put("ratioToNginxMin", ServerRounds.round(ratios[0], 100))
                        .put("ratioToNginxMax", ServerRounds.round(ratios[ratios.length - 1], 100));
                ArrayNode each = result.putArray("roundRatios");
                for (double r : roundRatios(flota, nginx)) {
                    each.add(ServerRounds.round(r, 100));
                }
                double ours = flota.serverCpuMsPerRequest();
                double theirsCpu = nginx.serverCpuMsPerRequest();
                result.put("serverCpuRatioToNginx", ours > 0 && theirsCpu > 0
                        ? ServerRounds.round(ours / theirsCpu, 100) : -1);
            }
            result.put("nginxAvailable", nginxAvailable)
                    .put("loadAverageStart", loadStart)
                    .put("loadAverageEnd", CpuClock.loadAverage());
            output.write("Flota bench: server", result);
            boolean failed = flota.failures() > 0 || (nginx != null && nginx.failures() > 0);
            return failed ? 1 : 0;
        } finally {
            loops.disposeLater(Duration.ZERO, Duration.ofSeconds(5)).block(Duration.ofSeconds(10));
            Directories.deleteTreeQuietly(dir);
        }
    }

    /**
     * Passes over every server for at least {@code --warmup-seconds}, and on (up to three times as long) while this
     * JVM's JIT compilers still spend more than {@link #JIT_SETTLED} of a pass's time: on a busy machine they get
     * less CPU and take longer. Returns the seconds spent.
     */
    private double warmUp(ServerLoad load, List<Target> targets) {
        long start = System.nanoTime();
        long atLeast = start + (long) (warmupSeconds * 1e9);
        long atMost = start + (long) (3 * warmupSeconds * 1e9);
        boolean compiling;
        do {
            double jit0 = CpuClock.compilationSeconds();
            long t0 = System.nanoTime();
            targets.forEach(t -> load.warmUp(t.url()));
            double pass = (System.nanoTime() - t0) / 1e9;
            double jit = CpuClock.compilationSeconds() - jit0;
            compiling = jit0 >= 0 && jit > JIT_SETTLED * pass;
        } while (System.nanoTime() < atLeast || (compiling && System.nanoTime() < atMost));
        return (System.nanoTime() - start) / 1e9;
    }

    private static ChildServer childServer(Path www, Path dir, SelfSignedCertificates certs) throws IOException {
        SelfSignedCertificates.PemFiles pems = certs.writeTo(dir.resolve("tls"));
        return ChildServer.start(www, pems.serverCert(), pems.serverKey());
    }

    /** One measured round against {@code target}, with the CPU the server and the load generator spent on it. */
    private static ServerRounds.Round measure(ServerLoad load, Target target) {
        double server0 = target.cpuSeconds().getAsDouble();
        double client0 = CpuClock.threadSeconds(CLIENT_LOOPS);
        double jit0 = CpuClock.compilationSeconds();
        Measured measured = load.run(target.url());
        double server1 = target.cpuSeconds().getAsDouble();
        double client1 = CpuClock.threadSeconds(CLIENT_LOOPS);
        double jit1 = CpuClock.compilationSeconds();
        return new ServerRounds.Round(measured, server0 < 0 || server1 < 0 ? -1 : server1 - server0,
                client0 < 0 || client1 < 0 ? -1 : client1 - client0, jit0 < 0 || jit1 < 0 ? -1 : jit1 - jit0);
    }

    /** Each round's ratio of Flota's request rate to nginx's in the round run right after it, sorted. */
    private static double[] roundRatios(ServerRounds flota, ServerRounds nginx) {
        int n = Math.min(flota.rounds().size(), nginx.rounds().size());
        double[] ratios = new double[n];
        for (int i = 0; i < n; i++) {
            double theirs = nginx.rounds().get(i).measured().requestsPerSec();
            ratios[i] = theirs > 0 ? flota.rounds().get(i).measured().requestsPerSec() / theirs : 0;
        }
        Arrays.sort(ratios);
        return ratios;
    }

    private void report(PrintWriter out, String name, ServerRounds runs) {
        for (ServerRounds.Round r : runs.rounds()) {
            Measured m = r.measured();
            out.printf(Locale.ROOT, "%s: %d requests in %.2f s, server CPU %.3f ms/request, JIT %.2f s%s%n", name,
                    m.requests(), m.seconds(), r.serverCpuMsPerRequest(), r.jitSeconds(), m.failures() == 0 ? ""
                            : ", " + m.failures() + " FAILED (first: " + m.firstError() + ")");
        }
        out.flush();
    }

    private static void printTable(PrintWriter out, ServerRounds flota, ServerRounds nginx, double[] ratios) {
        out.printf("%n%-8s %12s %20s %10s %14s %14s %9s  %s%n", "server", "requests/s", "min-max", "MB/s",
                "server ms/req", "client ms/req", "failures", "TLS");
        row(out, "flota", flota);
        if (nginx != null) {
            row(out, "nginx", nginx);
            out.printf(Locale.ROOT, "ratio flota/nginx: %.2f (rounds %.2f-%.2f), server CPU per request %.2fx "
                    + "nginx's%n", ServerRounds.median(ratios.clone()), ratios[0], ratios[ratios.length - 1],
                    flota.serverCpuMsPerRequest() / nginx.serverCpuMsPerRequest());
        } else {
            out.printf("%-8s %12s %20s %10s %14s %14s %9s%n", "nginx", "-", "-", "-", "-", "-", "-");
        }
        out.flush();
    }

    private static void row(PrintWriter out, String name, ServerRounds runs) {
        Measured m = runs.median();
        double[] rates = runs.rounds().stream().mapToDouble(r -> r.measured().requestsPerSec()).sorted().toArray();
        out.printf(Locale.ROOT, "%-8s %12.0f %20s %10.1f %14.3f %14.3f %9d  %s%n", name, m.requestsPerSec(),
                String.format(Locale.ROOT, "%.0f-%.0f", rates[0], rates[rates.length - 1]), m.mbPerSec(),
                runs.serverCpuMsPerRequest(), runs.clientCpuMsPerRequest(), runs.failures(),
                m.tls() == null ? "-" : m.tls());
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
