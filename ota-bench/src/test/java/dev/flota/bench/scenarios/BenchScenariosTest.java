package dev.flota.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.bench.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each bench scenario at a tiny size, so none of them can rot: exit code, JSON keys, HTML written. */
class BenchScenariosTest {

    @TempDir
    Path dir;

    /** Stolen CPU time is known on Linux (0 or more), elsewhere reported as -1. */
    private static final double STEAL_FLOOR = Files.exists(Path.of("/proc/stat")) ? 0 : -1;

    @Test
    void single() throws Exception {
        Path json = dir.resolve("single.json");
        Path html = dir.resolve("single.html");
        Cli cli = Cli.run("bench", "single", "--image-size", "64K", "--runs", "3", "--warmup-seconds", "0",
                "--run-seconds", "0", "--json", json.toString(), "--html", html.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(result.get("runSeconds").asDouble()).as("the length of a run is part of the result").isZero();
        assertThat(result.get("cases")).hasSize(5);
        assertThat(result.get("cases")).extracting(c -> c.get("name").asText()).containsExactly("https-plain-whole",
                "https-encrypted-whole", "https-plain-partial-4k", "https-plain-partial-64k",
                "https-encrypted-partial-4k");
        for (JsonNode c : result.get("cases")) {
            assertThat(c.fieldNames()).toIterable().contains("name", "mbPerSec", "curlMbPerSec", "ratioToCurl",
                    "jdkHttpClientMbPerSec");
            assertThat(c.get("jdkHttpClientMbPerSec").asDouble()).as("measured after all cases").isPositive();
            assertThat(c.get("mbPerSec").asDouble()).isPositive().isBetween(c.get("mbPerSecMin").asDouble(),
                    c.get("mbPerSecMax").asDouble());
            double ratio = c.get("ratioToCurl").asDouble();
            assertThat(ratio).isPositive().isBetween(c.get("ratioToCurlMin").asDouble(),
                    c.get("ratioToCurlMax").asDouble());
            assertThat(c.get("hostStealPercent").asDouble()).as("measured where /proc/stat tells")
                    .isBetween(STEAL_FLOOR, 100.0);
            assertThat(c.get("perRun")).as("one ratio per round, the median among them").hasSize(3)
                    .extracting(r -> r.get("ratioToCurl").asDouble()).contains(ratio);
            assertThat(c.get("perRun")).as("each round's own steal").extracting(r -> r.get("hostStealPercent"))
                    .allSatisfy(steal -> assertThat(steal.asDouble()).isBetween(STEAL_FLOOR, 100.0));
        }
        assertThat(Files.readString(html)).contains("<svg");
    }

    @Test
    void ratioToTheReferenceIsZeroWithoutOne() {
        assertThat(FleetBenchCommand.ratio(150, 300)).isEqualTo(0.5);
        assertThat(FleetBenchCommand.ratio(150, 0)).isZero();
    }

    @Test
    void fleetWithShardsAndMerge() throws Exception {
        Path one = dir.resolve("one.json");
        Path two = dir.resolve("two.json");
        Cli first = Cli.run("bench", "fleet", "--devices", "5", "--image-size", "96K", "--shard", "1/2",
                "--warmup-seconds", "0", "--json", one.toString());
        assertThat(first.exitCode()).as(first.out() + first.err()).isZero();
        Cli second = Cli.run("bench", "fleet", "--devices", "5", "--image-size", "96K", "--shard", "2/2",
                "--warmup-seconds", "0", "--json", two.toString());
        assertThat(second.exitCode()).as(second.out() + second.err()).isZero();
        JsonNode shard = Json.MAPPER.readTree(Files.readString(one));
        assertThat(shard.fieldNames()).toIterable().contains("devices", "succeeded", "failed", "aggregateMbPerSec",
                "p50Ms", "p99Ms", "heapPeakMiB", "bufferedPerUpdateBytes");
        assertThat(shard.get("devices").asInt()).isEqualTo(3);
        assertThat(shard.get("succeeded").asInt()).isEqualTo(3);
        assertThat(shard.get("bufferedPerUpdateBytes").asLong()).isPositive().isLessThanOrEqualTo(80 * 1024);
        assertThat(shard.get("server").asText()).isEqualTo("flota-child-process");
        assertThat(shard.get("cpuIncludesServer").asBoolean()).isFalse();
        assertThat(shard.get("cpuSecondsPerGiB").asDouble()).isPositive();
        JsonNode raw = shard.get("raw");
        assertThat(raw.get("succeeded").asInt()).as("the reference fleet is the same size").isEqualTo(3);
        assertThat(raw.get("failed").asInt()).isZero();
        assertThat(raw.get("bytes").asLong()).as("the same bytes").isEqualTo(shard.get("bytes").asLong());
        assertThat(raw.get("cpuSecondsPerGiB").asDouble()).isPositive();
        assertThat(raw.get("serverCpuSeconds").asDouble()).isNotNegative();
        assertThat(shard.get("hostStealPercent").asDouble()).isBetween(STEAL_FLOOR, 100.0);
        assertThat(raw.get("hostStealPercent").asDouble()).isBetween(STEAL_FLOOR, 100.0);
        assertThat(shard.get("ratioToRawFleet").asDouble()).isPositive().isEqualTo(Math.round(shard.get(
                "aggregateBytesPerSec").asDouble() / raw.get("aggregateBytesPerSec").asDouble() * 100) / 100.0);
        Path merged = dir.resolve("merged.json");
        Cli merge = Cli.run("bench", "merge", one.toString(), two.toString(), "--json", merged.toString());
        assertThat(merge.exitCode()).as(merge.out() + merge.err()).isZero();
        assertThat(Json.MAPPER.readTree(Files.readString(merged)).get("succeeded").asInt()).isEqualTo(5);
    }

    @Test
    void faults() throws Exception {
        Path json = dir.resolve("faults.json");
        Cli cli = Cli.run("bench", "faults", "--devices", "3", "--image-size", "160K", "--json", json.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(result.get("cases")).allSatisfy(c -> assertThat(c.get("completionRate").asDouble()).isEqualTo(1.0));
        assertThat(result.get("cases").get(4).get("name").asText()).isEqualTo("image-replaced-after-3-requests");
        JsonNode resets = result.get("cases").get(1);
        long image = result.get("imageSize").asLong();
        long ranges = (image + 64 * 1024 - 1) / (64 * 1024);
        assertThat(resets.get("requests").asLong()).as("resets happened: more than HEAD and the ranges per device")
                .isGreaterThan(3 * (1 + ranges));
        assertThat(resets.get("wastedBytes").asLong()).as("resets resume, nothing twice")
                .isEqualTo(resets.get("sentBytes").asLong() - 3 * image).isZero();
        assertThat(result.get("cases")).allSatisfy(c -> assertThat(c.get("bricked").asLong()).isZero());
        JsonNode cuts = result.get("cases").get(5);
        assertThat(cuts.get("name").asText()).isEqualTo("power-cut-at-random-flash-op-then-resume");
        assertThat(cuts.get("completed").asLong()).isEqualTo(3);
        assertThat(cuts.get("powerCuts").asLong()).as("every device lost power once").isEqualTo(3);
        assertThat(cuts.get("serverWastedBytes").asLong()).as("the server's count beyond three images")
                .isEqualTo(cuts.get("sentBytes").asLong() - 3 * image)
                .isBetween(0L, cuts.get("powerCuts").asLong() * cuts.get("requestSize").asLong());
    }

    @Test
    void profileOfAPartialDownload() throws Exception {
        Path json = dir.resolve("profile.json");
        Cli cli = Cli.run("bench", "profile", "--case", "https-plain-partial-64k", "--image-size", "256K", "--runs",
                "1", "--warmup-runs", "1", "--warmup-seconds", "0", "--json", json.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        assertThat(cli.out()).contains("stage", "CPU ms/MiB", "total (process CPU)", "transport alone");
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(result.get("case").asText()).isEqualTo("https-plain-partial-64k");
        assertThat(result.get("bytes").asLong()).isEqualTo(result.get("imageSize").asLong());
        assertThat(result.get("totalMsPerMiB").asDouble()).isPositive();
        assertThat(result.get("transportMsPerMiB").asDouble()).isPositive();
        assertThat(result.get("threadMsPerMiB").size()).isPositive();
        assertThat(result.get("recorded").asText()).isEqualTo("flota");
        assertThat(Cli.run("bench", "profile", "--case", "nonsense").exitCode()).isEqualTo(2);
    }

    @Test
    void profileOfTheReferenceHasNoEngineStages() throws Exception {
        Path json = dir.resolve("reference.json");
        Cli cli = Cli.run("bench", "profile", "--case", "https-encrypted-whole", "--image-size", "1MiB", "--runs",
                "2", "--warmup-runs", "1", "--warmup-seconds", "0", "--reference", "--json", json.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(result.get("recorded").asText()).isEqualTo("raw Reactor Netty reference");
        for (String stage : List.of("DECRYPT", "INSPECTION", "FLASH_WRITE", "READ_BACK")) {
            assertThat(result.get("msPerMiB").path(stage).asDouble(0)).as(stage).isZero();
        }
        assertThat(result.get("totalMsPerMiB").asDouble()).isPositive();
    }
}
