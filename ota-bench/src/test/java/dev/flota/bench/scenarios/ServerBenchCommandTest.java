package dev.flota.bench.scenarios;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.bench.Cli;
import dev.flota.bench.Json;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bench server} at a tiny size against our server and, when installed, nginx, so the scenario cannot rot. */
class ServerBenchCommandTest {

    @TempDir
    Path dir;

    @Test
    void measuresOurServerAndNginxUnderTheSameRangedLoad() throws Exception {
        Path json = dir.resolve("server.json");
        Path html = dir.resolve("server.html");
        Cli cli = Cli.run("bench", "server", "--clients", "20", "--requests-per-client", "5", "--image-size", "256K",
                "--warmup-seconds", "0", "--rounds", "1",
                "--json", json.toString(), "--html", html.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(fields(result)).containsExactly("scenario", "date", "clients", "requests", "rangeSize", "flota",
                "nginx", "ratioToNginx", "nginxAvailable");
        assertThat(result.get("scenario").asText()).isEqualTo("server");
        assertThat(result.get("clients").asInt()).isEqualTo(20);
        assertThat(result.get("requests").asInt()).isEqualTo(100);
        assertThat(result.get("rangeSize").asInt()).isEqualTo(64 * 1024);
        assertFigures(result.get("flota"));
        assertThat(cli.out()).contains("flota: 100 requests");

        boolean nginx = NginxServer.available();
        assertThat(result.get("nginxAvailable").asBoolean()).isEqualTo(nginx);
        if (nginx) {
            assertFigures(result.get("nginx"));
            assertThat(result.get("ratioToNginx").asDouble()).isPositive();
            assertThat(cli.out()).contains("nginx: 100 requests").contains("ratio flota/nginx");
        } else {
            assertThat(result.get("nginx").isNull()).isTrue();
            assertThat(result.get("ratioToNginx").isNull()).isTrue();
            assertThat(cli.out()).contains("nginx is not installed");
        }
        assertThat(Files.readString(html)).contains("<svg").contains("Requests per second");
    }

    @Test
    void plainHttpWorksToo() {
        Cli cli = Cli.run("bench", "server", "--plain", "--clients", "4", "--requests-per-client", "3",
                "--warmup-seconds", "0", "--image-size", "64K", "--range-size", "4K");
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        assertThat(cli.out()).contains("over HTTP").contains("flota: 12 requests");
    }

    @Test
    void aRangeLargerThanTheImageIsAUsageError() {
        Cli cli = Cli.run("bench", "server", "--image-size", "64K", "--range-size", "128K");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.err().strip().lines().count()).isEqualTo(1);
        assertThat(cli.err()).contains("--range-size");
    }

    private static void assertFigures(JsonNode figures) {
        assertThat(fields(figures)).containsExactly("requestsPerSec", "mbPerSec");
        assertThat(figures.get("requestsPerSec").asDouble()).isPositive();
        assertThat(figures.get("mbPerSec").asDouble()).isPositive();
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
