package dev.flota.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.bench.Json;
import dev.flota.flash.testing.EsptoolJs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench serial} with a tiny image on a fast link, so the scenario cannot rot; skipped without esptool-js. */
class SerialBenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void flotaAndEsptoolJsBothWriteTheImageAndTheRatiosAreReported() throws Exception {
        EsptoolJs.require();
        Path json = dir.resolve("serial.json");
        Cli cli = Cli.run("bench", "serial", "--image-size", "96K", "--baud", "4000000", "--runs", "1",
                "--warmup-runs", "0", "--json", json.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(fields(result)).containsExactly("scenario", "date", "server", "chip", "baud", "imageSize", "runs",
                "flotaBytesToChip", "esptoolJsBytesToChip", "flota",
                "esptoolJs", "curl", "curlThenEsptoolJs", "ratioToEsptoolJs", "ratioToCurlThenEsptoolJs",
                "measurements");
        assertThat(result.get("scenario").asText()).isEqualTo("serial");
        assertThat(result.get("chip").asText()).isEqualTo("esp32c3");
        assertThat(result.get("baud").asInt()).isEqualTo(4_000_000);
        assertThat(result.get("runs").asInt()).isEqualTo(1);
        long size = result.get("imageSize").asLong();
        assertThat(size).isBetween(90_000L, 100_000L);
        assertThat(result.get("flotaBytesToChip").asLong()).as("deflated on the link").isPositive()
                .isLessThan(size * 3 / 4);
        assertThat(result.get("esptoolJsBytesToChip").asLong()).as("deflated on the link").isPositive()
                .isLessThan(size * 3 / 4);
        for (String side : List.of("flota", "esptoolJs", "curl", "curlThenEsptoolJs")) {
            JsonNode f = result.get(side);
            assertThat(f.get("seconds").asDouble()).as(side).isPositive();
            assertThat(f.get("minSeconds").asDouble()).as(side).isLessThanOrEqualTo(f.get("seconds").asDouble());
            assertThat(f.get("maxSeconds").asDouble()).as(side).isGreaterThanOrEqualTo(f.get("seconds").asDouble());
        }
        assertThat(result.get("esptoolJs").get("writeFlashSeconds").asDouble()).isPositive();
        assertThat(result.get("ratioToEsptoolJs").asDouble()).isPositive();
        assertThat(result.get("ratioToCurlThenEsptoolJs").asDouble())
                .isGreaterThanOrEqualTo(result.get("ratioToEsptoolJs").asDouble());
        assertThat(result.get("measurements")).hasSize(1);
        assertThat(cli.out()).contains("flota (connect to otadata switched)").contains("esptool-js (connect")
                .contains("ratio esptool-js/flota");
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
