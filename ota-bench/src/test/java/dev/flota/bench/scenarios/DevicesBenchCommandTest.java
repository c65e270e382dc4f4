package dev.flota.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.bench.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench devices} at a tiny size, so the scale scenario cannot rot. */
class DevicesBenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void everyDeviceBootsTheUpdateAndTheHeapIsReported() throws Exception {
        Path json = dir.resolve("devices.json");
        Cli cli = Cli.run("bench", "devices", "--devices", "20", "--flash-size", "2MiB", "--update-size", "256K",
                "--json", json.toString());
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(result.get("devices").asInt()).isEqualTo(20);
        assertThat(result.get("updated").asInt()).isEqualTo(20);
        assertThat(result.get("heapUsedMiB").asLong()).isPositive();
        assertThat(result.get("distinctSectorsInPool").asInt()).as("the update is stored once for all devices")
                .isLessThan(20 * 64);
        assertThat(cli.out()).contains("20 devices");
    }
}
