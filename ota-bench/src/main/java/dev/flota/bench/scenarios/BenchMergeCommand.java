package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.CliFiles;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.bench.fleet.Percentiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code bench merge}: one fleet result from the JSON files of {@code bench fleet --shard i/n} runs. Counts and bytes
 * are summed, p50/p99 are recomputed from all the shards' latencies (nearest rank), the aggregate throughput is the
 * total bytes over the longest shard's duration (the shards ran at the same time against one server), and the heap
 * peak and buffered bytes per update are the maxima. Files of other scenarios, a shard given twice and shards of
 * different splits are refused.
 */
@Command(name = "merge", mixinStandardHelpOptions = true,
        description = "Merge the JSON results of `bench fleet --shard i/n` runs into one fleet result.")
final class BenchMergeCommand implements Callable<Integer> {

    private static final Pattern SHARD = Pattern.compile("(\\d{1,6})\\s*/\\s*(\\d{1,6})");

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "JSON files written by bench fleet --json")
    List<Path> files;

    @Mixin
    BenchOutput output;

    /** One shard file, read and checked. */
    private record Shard(Path file, JsonNode json, int index, int count) {
        String label() {
            return index + "/" + count;
        }
    }

    @Override
    public Integer call() {
        List<Shard> shards = new ArrayList<>();
        for (Path file : files) {
            shards.add(read(file));
        }
        int count = shards.get(0).count();
        TreeSet<Integer> seen = new TreeSet<>();
        long imageSize = shards.get(0).json().path("imageSize").asLong();
        for (Shard shard : shards) {
            if (shard.count() != count) {
                throw new UsageException(shard.file() + " is shard " + shard.label() + " but "
                        + shards.get(0).file() + " is shard " + shards.get(0).label() + ": different splits");
            }
            if (!seen.add(shard.index())) {
                throw new UsageException("shard " + shard.label() + " given twice (" + shard.file() + ")");
            }
            if (shard.json().path("imageSize").asLong() != imageSize) {
                throw new UsageException(shard.file() + " has imageSize " + shard.json().path("imageSize").asLong()
                        + ", not " + imageSize + ": not the same fleet");
            }
        }
        shards.sort((a, b) -> Integer.compare(a.index(), b.index()));

        long devices = 0;
        long succeeded = 0;
        long failed = 0;
        long bytes = 0;
        double duration = 0;
        double heapPeak = 0;
        double buffered = 0;
        List<Long> latencies = new ArrayList<>();
        for (Shard shard : shards) {
            JsonNode s = shard.json();
            devices += s.path("devices").asLong();
            succeeded += s.path("succeeded").asLong();
            failed += s.path("failed").asLong();
            bytes += s.path("bytes").asLong();
            duration = Math.max(duration, s.path("durationSeconds").asDouble());
            heapPeak = Math.max(heapPeak, s.path("heapPeakMiB").asDouble());
            buffered = Math.max(buffered, s.path("bufferedPerUpdateBytes").asDouble());
            s.path("latenciesMs").forEach(v -> latencies.add(v.asLong()));
        }
        Collections.sort(latencies);

        ObjectNode result = Json.object()
                .put("scenario", "fleet")
                .put("date", LocalDate.now().toString());
        ArrayNode labels = result.putArray("shards");
        shards.forEach(s -> labels.add(s.label()));
        result.put("devices", devices)
                .put("succeeded", succeeded)
                .put("failed", failed)
                .put("imageSize", imageSize)
                .put("bytes", bytes)
                .put("durationSeconds", duration)
                .put("aggregateMbPerSec", duration > 0 ? Math.round(bytes / 1e6 / duration * 10) / 10.0 : 0.0)
                .put("p50Ms", Percentiles.nearestRank(latencies, 50))
                .put("p99Ms", Percentiles.nearestRank(latencies, 99));
        putNumber(result, "heapPeakMiB", heapPeak);
        putNumber(result, "bufferedPerUpdateBytes", buffered);
        ArrayNode all = result.putArray("latenciesMs");
        latencies.forEach(all::add);

        PrintWriter out = spec.commandLine().getOut();
        out.printf("merged %d of %d shards (%s)%n", shards.size(), count, String.join(", ",
                shards.stream().map(Shard::label).toList()));
        if (shards.size() < count) {
            List<String> missing = new ArrayList<>();
            for (int i = 1; i <= count; i++) {
                if (!seen.contains(i)) {
                    missing.add(i + "/" + count);
                }
            }
            out.println("warning: shards missing: " + String.join(", ", missing));
        }
        out.printf("%-24s %s%n", "devices", devices);
        out.printf("%-24s %s%n", "succeeded", succeeded);
        out.printf("%-24s %s%n", "failed", failed);
        out.printf("%-24s %s%n", "aggregate MB/s", result.get("aggregateMbPerSec").asText());
        out.printf("%-24s %s%n", "p50 ms", result.get("p50Ms").asText());
        out.printf("%-24s %s%n", "p99 ms", result.get("p99Ms").asText());
        out.printf("%-24s %s%n", "heap peak MiB", result.get("heapPeakMiB").asText());
        out.printf("%-24s %s%n", "buffered per update B", result.get("bufferedPerUpdateBytes").asText());
        out.flush();
        output.write("Flota bench: fleet (" + shards.size() + " shards merged)", result);
        return failed == 0 ? 0 : 1;
    }

    private static Shard read(Path file) {
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(CliFiles.read(file));
        } catch (IOException e) {
            throw new UsageException(file + " is not JSON: " + firstLine(e.getMessage()), e);
        }
        if (node == null || !node.isObject()) {
            throw new UsageException(file + " is not a JSON object");
        }
        String scenario = node.path("scenario").asText("");
        if (!scenario.equals("fleet")) {
            throw new UsageException(file + " is a " + (scenario.isEmpty() ? "result without a scenario"
                    : "'" + scenario + "' result") + ", not a fleet shard");
        }
        if (!node.path("shard").isTextual()) {
            throw new UsageException(file + " has no shard (run bench fleet with --shard i/n)");
        }
        for (String field : List.of("devices", "succeeded", "failed", "bytes", "durationSeconds")) {
            if (!node.path(field).isNumber()) {
                throw new UsageException(file + " has no numeric " + field);
            }
        }
        if (!node.path("latenciesMs").isArray()) {
            throw new UsageException(file + " has no latenciesMs array");
        }
        String label = node.get("shard").asText();
        Matcher m = SHARD.matcher(label.strip());
        int index = m.matches() ? Integer.parseInt(m.group(1)) : 0;
        int count = m.matches() ? Integer.parseInt(m.group(2)) : 0;
        if (index < 1 || count < 1 || index > count) {
            throw new UsageException(file + " has a bad shard '" + label + "' (expected i/n with 1 <= i <= n)");
        }
        return new Shard(file, node, index, count);
    }

    private static void putNumber(ObjectNode node, String field, double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            node.put(field, (long) value);
        } else {
            node.put(field, value);
        }
    }

    private static String firstLine(String text) {
        if (text == null) {
            return "";
        }
        int newline = text.indexOf('\n');
        return newline < 0 ? text : text.substring(0, newline);
    }
}
