package dev.flota.bench.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.bench.Json;
import dev.flota.bench.OtaBench;
import dev.flota.flash.testing.SyntheticApp;
import dev.flota.flash.testing.Vectors;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.LongStream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Issue 14's "killing the process": {@code update --resume --flash FILE} from nginx, each run a JVM of its own killed
 * with SIGKILL at a seeded random moment and started again with the same command, until one completes. After every
 * kill {@code flash boot} must boot the old app or the new one; at the end the new one, byte for byte; and nginx's
 * access log must show at most the image plus one request per kill.
 *
 * <p>The trigger: before a run, the kill points are drawn (seeded) over the image's bytes, sorted, plus one at its
 * last byte. The run is killed as soon as its {@code FlashWritten} events (offset of the resume plus bytes written)
 * reach the next point the flash does not already hold. Counting bytes on flash rather than time spreads the kills
 * over the whole update whatever the machine's speed, lands each while data flows (between a flash write, the NVS
 * journal commit that follows it and the next read), and the last point lands in the finish (journal cleared, image
 * verified, otadata written, sidecar saved). Where exactly the kill lands is still up to the scheduler: the run goes
 * on for the moment it takes to read the line and send the signal.
 *
 * <p>No run may discard its journal: a journal is written only for bytes the flash file holds (each write is a
 * {@code pwrite} that a SIGKILL cannot undo), so after any kill it fits the flash. A journal committed ahead of the
 * flash shows as a {@code ResumeDiscarded} and a restart from byte 0.
 */
class UpdateKilledTest {

    private static final long SEED = Long.getLong("flota.kill.seed", 14);
    private static final int KILLS = Integer.getInteger("flota.kill.count", 2);
    private static final int IMAGE_SIZE = 300_000;
    private static final Pattern LOG_LINE = Pattern.compile(
            "\"GET /(\\S+) HTTP/1\\.1\" (\\d{3}) (\\d+) \".*\" \".*\" (\\d+)$");

    @TempDir
    Path dir;

    @ParameterizedTest(name = "{0}, partial {1}")
    @CsvSource({"plain, 0", "plain, 65536", "encrypted, 0", "encrypted, 65536"})
    void killedAtRandomMomentsItStillEndsBootingTheNewImage(String kind, int partial) throws Exception {
        assumeTrue(NginxServer.available(), "nginx is not installed: this end-to-end test is SKIPPED");
        boolean encrypted = kind.equals("encrypted");
        SelfSignedCertificates tls = SelfSignedCertificates.generate();
        Path ca = tls.writeTo(dir.resolve("tls")).ca();
        Path www = Files.createDirectories(dir.resolve("www"));
        Path oldApp = dir.resolve("old.bin");
        Files.write(oldApp, SyntheticApp.of("1.0.0").project("flota-kill").sized(100_000));
        byte[] newApp = SyntheticApp.of("2.0.0").project("flota-kill").sized(IMAGE_SIZE);
        Path plain = dir.resolve("new.bin");
        Files.write(plain, newApp);
        Path served = www.resolve(encrypted ? "new.enc.bin" : "new.bin");
        if (encrypted) {
            run(0, "image", "encrypt", "--key", Vectors.file("encrypted/ecc256/device_pub_key.pem").toString(),
                    plain.toString(), served.toString());
        } else {
            Files.copy(plain, served);
        }
        Path flash = dir.resolve("device.bin");
        run(0, "flash", "create", flash.toString(), "--size", "4MB", "--chip", "esp32c3", "--partitions",
                Vectors.file("partition_tables/pt_factory_ota2_4MB.csv").toString(), "--factory", oldApp.toString());

        Random random = new Random(SEED * 31 + (encrypted ? 2 : 0) + (partial > 0 ? 1 : 0));
        long[] points = LongStream.concat(random.longs(KILLS, 1, newApp.length).sorted(),
                LongStream.of(newApp.length)).toArray();
        int kills = 0;
        List<String> story = new ArrayList<>();
        try (NginxServer.Running nginx = NginxServer.create().directory(www).workers(1).tls(tls.serverCertPem(),
                tls.serverKeyPem()).startNow()) {
            List<String> command = new ArrayList<>(List.of("update", "--resume", "--resume-interval", "4K",
                    "--flash", flash.toString(), "--url", nginx.url(served.getFileName().toString()), "--ca",
                    ca.toString(), "--json-events"));
            if (partial > 0) {
                command.addAll(List.of("--partial-size", Integer.toString(partial)));
            }
            if (encrypted) {
                command.addAll(List.of("--hmac-key", Vectors.file("encrypted/ecc256/device_hmac_key.bin").toString()));
            }
            int next = 0;
            for (int runs = 1; ; runs++) {
                assertThat(runs).as("runs, one per kill and the last: %s", story)
                        .isLessThanOrEqualTo(points.length + 1);
                Run outcome = Run.until(command, next < points.length ? points[next] : Long.MAX_VALUE);
                story.add(outcome.toString());
                assertThat(outcome.lines()).as("after a kill the journal still fits the flash: never discarded")
                        .noneMatch(line -> line.contains("\"event\":\"ResumeDiscarded\""));
                if (!outcome.killed()) {
                    assertThat(outcome.exitCode()).as("a run that was not killed succeeds: %s", outcome.lines())
                            .isZero();
                    break;
                }
                kills++;
                while (next < points.length && points[next] <= outcome.reached()) {
                    next++;
                }
                Cli boot = run(0, "flash", "boot", flash.toString(), "--json");
                String version = boot.json().get("appDescription").get("version").asText();
                assertThat(version).as("after kill %d (%s)", kills, outcome).isIn("1.0.0", "2.0.0");
                if (version.equals("2.0.0")) {
                    break;
                }
            }
            Traffic traffic = Traffic.of(nginx.accessLog(), served.getFileName().toString());
            long size = Files.size(served);
            long request = partial > 0 ? partial : size;
            System.out.printf("kill loop %s partial %d: image %d bytes, %d kills, nginx sent %d body bytes "
                    + "(%d with headers) in %d requests, %d wasted per kill; runs: %s%n", kind, partial, size, kills,
                    traffic.body(), traffic.sent(), traffic.requests(),
                    kills == 0 ? 0 : (traffic.body() - size) / kills, story);
            assertThat(traffic.body()).as("nginx's body bytes: at most the image plus one request per kill")
                    .isGreaterThanOrEqualTo(size).isLessThanOrEqualTo(size + kills * request);
        }
        assertThat(kills).as("the update was killed at least once").isPositive();
        JsonNode boot = run(0, "flash", "boot", flash.toString(), "--json").json();
        assertThat(boot.get("booted").asText()).isEqualTo("ota_0");
        assertThat(boot.get("appDescription").get("version").asText()).isEqualTo("2.0.0");
        assertThat(read(flash, partitionOffset(flash, "ota_0"), newApp.length)).isEqualTo(newApp);
    }

    /** One {@code update} in a JVM of its own, killed once its flash holds {@code killAt} bytes. */
    private record Run(boolean killed, int exitCode, long reached, List<String> lines) {

        static Run until(List<String> arguments, long killAt) throws IOException, InterruptedException {
            List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                    .toString(), "-XX:TieredStopAtLevel=1", "-cp", System.getProperty("java.class.path"),
                    OtaBench.class.getName()));
            command.addAll(arguments);
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            List<String> lines = new ArrayList<>();
            boolean killed = false;
            long base = 0;
            long reached = 0;
            try (BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8))) {
                for (String line; (line = out.readLine()) != null; ) {
                    lines.add(line);
                    if (!line.startsWith("{")) {
                        continue;
                    }
                    JsonNode event = Json.MAPPER.readTree(line);
                    switch (event.get("event").asText()) {
                        case "Resumed" -> base = event.get("offset").asLong();
                        case "FlashWritten" -> reached = base + event.get("cumulativeBytes").asLong();
                        default -> { }
                    }
                    if (reached >= killAt) {
                        process.destroyForcibly();
                        killed = true;
                        break;
                    }
                }
            } finally {
                process.destroyForcibly();
            }
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("update ends").isTrue();
            return new Run(killed && process.exitValue() != 0, process.exitValue(), reached, lines);
        }

        @Override
        public String toString() {
            return (killed ? "killed at " + reached : "exit " + exitCode) + " (resumed from "
                    + lines.stream().filter(l -> l.contains("\"Resumed\"")).findFirst().orElse("0") + ")";
        }
    }

    /** What nginx's access log says it sent for one file: requests, body bytes, bytes with headers. */
    private record Traffic(int requests, long body, long sent) {

        static Traffic of(Path accessLog, String file) throws IOException {
            int requests = 0;
            long body = 0;
            long sent = 0;
            for (String line : Files.readAllLines(accessLog)) {
                Matcher matcher = LOG_LINE.matcher(line);
                if (matcher.find() && matcher.group(1).equals(file)) {
                    requests++;
                    body += Long.parseLong(matcher.group(3));
                    sent += Long.parseLong(matcher.group(4));
                }
            }
            return new Traffic(requests, body, sent);
        }
    }

    private static long partitionOffset(Path flash, String label) {
        for (JsonNode partition : run(0, "flash", "info", flash.toString(), "--json").json().get("partitions")) {
            if (partition.get("label").asText().equals(label)) {
                return partition.get("offset").asLong();
            }
        }
        throw new AssertionError("no partition " + label);
    }

    private static byte[] read(Path file, long offset, int length) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            byte[] bytes = new byte[length];
            raf.seek(offset);
            raf.readFully(bytes);
            return bytes;
        }
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
