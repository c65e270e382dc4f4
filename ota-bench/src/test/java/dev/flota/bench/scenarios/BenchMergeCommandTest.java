package dev.flota.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.Cli;
import dev.flota.bench.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench merge} on synthetic shard files: exact sums, percentiles from all latencies, refusals. */
class BenchMergeCommandTest {

    @TempDir
    Path dir;

    @Test
    void sumsCountsAndRecomputesPercentilesFromAllLatencies() throws Exception {
        Path one = shard("one.json", "1/2", 3, 3, 0, 3_000_000, 2.5, 100, 65536, 10, 20, 30);
        Path two = shard("two.json", "2/2", 2, 2, 0, 2_000_000, 5.0, 120, 4096, 5, 100);
        Path json = dir.resolve("merged.json");
        Path html = dir.resolve("merged.html");
        Cli cli = Cli.run("bench", "merge", two.toString(), one.toString(), "--json", json.toString(),
                "--html", html.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode merged = Json.MAPPER.readTree(Files.readString(json));
        assertThat(merged.get("scenario").asText()).isEqualTo("fleet");
        assertThat(merged.get("shards").toString()).isEqualTo("[\"1/2\",\"2/2\"]");
        assertThat(merged.get("devices").asLong()).isEqualTo(5);
        assertThat(merged.get("succeeded").asLong()).isEqualTo(5);
        assertThat(merged.get("failed").asLong()).isZero();
        assertThat(merged.get("bytes").asLong()).isEqualTo(5_000_000);
        assertThat(merged.get("durationSeconds").asDouble()).isEqualTo(5.0);
        assertThat(merged.get("aggregateMbPerSec").asDouble()).as("total bytes over the longest shard").isEqualTo(1.0);
        assertThat(merged.get("p50Ms").asLong()).as("nearest rank over 5, 10, 20, 30, 100").isEqualTo(20);
        assertThat(merged.get("p99Ms").asLong()).isEqualTo(100);
        assertThat(merged.get("heapPeakMiB").asLong()).isEqualTo(120);
        assertThat(merged.get("bufferedPerUpdateBytes").asLong()).isEqualTo(65536);
        assertThat(merged.get("latenciesMs").toString()).isEqualTo("[5,10,20,30,100]");
        assertThat(cli.out()).contains("merged 2 of 2 shards");
        assertThat(Files.readString(html)).contains("<svg");
    }

    @Test
    void aMissingShardIsMergedWithAWarning() {
        Path one = shard("one.json", "1/3", 1, 1, 0, 1000, 1.0, 10, 10, 7);
        Cli cli = Cli.run("bench", "merge", one.toString());
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        assertThat(cli.out()).contains("shards missing: 2/3, 3/3");
    }

    @Test
    void failedDevicesGiveExitCodeOne() {
        Path one = shard("one.json", "1/1", 2, 1, 1, 1000, 1.0, 10, 10, 7);
        assertThat(Cli.run("bench", "merge", one.toString()).exitCode()).isEqualTo(1);
    }

    @Test
    void refusesDuplicateShards() {
        Path one = shard("one.json", "1/2", 3, 3, 0, 3000, 2.5, 100, 65536, 10, 20, 30);
        Path again = shard("again.json", "1/2", 3, 3, 0, 3000, 2.5, 100, 65536, 10, 20, 30);
        assertRefused(Cli.run("bench", "merge", one.toString(), again.toString()), "given twice");
        assertRefused(Cli.run("bench", "merge", one.toString(), one.toString()), "given twice");
    }

    @Test
    void refusesShardsOfDifferentSplits() {
        Path one = shard("one.json", "1/2", 3, 3, 0, 3000, 2.5, 100, 65536, 10);
        Path other = shard("other.json", "2/3", 3, 3, 0, 3000, 2.5, 100, 65536, 10);
        assertRefused(Cli.run("bench", "merge", one.toString(), other.toString()), "different splits");
    }

    @Test
    void refusesOtherScenariosAndFilesWithoutAShard() throws Exception {
        Path one = shard("one.json", "1/2", 3, 3, 0, 3000, 2.5, 100, 65536, 10);
        Path server = dir.resolve("server.json");
        Files.writeString(server, "{\"scenario\":\"server\",\"clients\":20}");
        assertRefused(Cli.run("bench", "merge", one.toString(), server.toString()), "'server' result");
        ObjectNode unsharded = (ObjectNode) Json.MAPPER.readTree(Files.readString(one));
        unsharded.remove("shard");
        Path plain = dir.resolve("plain.json");
        Files.writeString(plain, unsharded.toString());
        assertRefused(Cli.run("bench", "merge", plain.toString()), "no shard");
        assertRefused(Cli.run("bench", "merge", dir.resolve("missing.json").toString()), "no such file");
        Path garbage = dir.resolve("garbage.json");
        Files.writeString(garbage, "{not json");
        assertRefused(Cli.run("bench", "merge", garbage.toString()), "not JSON");
    }

    private static void assertRefused(Cli cli, String message) {
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isEqualTo(2);
        assertThat(cli.err().strip().lines().count()).as(cli.err()).isEqualTo(1);
        assertThat(cli.err()).contains(message);
    }

    private Path shard(String name, String label, int devices, int succeeded, int failed, long bytes,
            double seconds, int heapMiB, int buffered, long... latencies) {
        ObjectNode node = Json.object().put("scenario", "fleet").put("date", "2026-01-01").put("shard", label)
                .put("devices", devices).put("succeeded", succeeded).put("failed", failed)
                .put("imageSize", 1_000_000).put("bytes", bytes).put("durationSeconds", seconds)
                .put("aggregateMbPerSec", 999.0).put("p50Ms", 999).put("p99Ms", 999)
                .put("heapPeakMiB", heapMiB).put("bufferedPerUpdateBytes", buffered).put("timingModel", false);
        var array = node.putArray("latenciesMs");
        List<Long> values = new ArrayList<>();
        for (long l : latencies) {
            values.add(l);
        }
        values.forEach(array::add);
        Path file = dir.resolve(name);
        try {
            Files.writeString(file, node.toPrettyString());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }
}
