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
                "--warmup-seconds", "0", "--rounds", "3",
                "--json", json.toString(), "--html", html.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        boolean nginx = NginxServer.available();
        List<String> expected = new ArrayList<>(List.of("scenario", "date", "clients", "requests", "rangeSize",
                "server", "warmupSeconds", "rounds", "flota", "nginx", "ratioToNginx"));
        if (nginx) {
            expected.addAll(List.of("ratioToNginxMin", "ratioToNginxMax", "roundRatios", "serverCpuRatioToNginx"));
        }
        expected.addAll(List.of("nginxAvailable", "loadAverageStart", "loadAverageEnd"));
        assertThat(fields(result)).containsExactlyElementsOf(expected);
        assertThat(result.get("scenario").asText()).isEqualTo("server");
        assertThat(result.get("server").asText()).isEqualTo("in-process");
        assertThat(result.get("clients").asInt()).isEqualTo(20);
        assertThat(result.get("requests").asInt()).isEqualTo(100);
        assertThat(result.get("rangeSize").asInt()).isEqualTo(64 * 1024);
        assertThat(result.get("rounds").asInt()).isEqualTo(3);
        assertFigures(result.get("flota"));
        assertThat(cli.out()).contains("flota: 100 requests");

        assertThat(result.get("nginxAvailable").asBoolean()).isEqualTo(nginx);
        if (nginx) {
            assertFigures(result.get("nginx"));
            assertThat(result.get("nginx").get("tls").asText()).as("both servers negotiate the same TLS")
                    .isEqualTo(result.get("flota").get("tls").asText());
            double ratio = result.get("ratioToNginx").asDouble();
            assertThat(ratio).isPositive().isBetween(result.get("ratioToNginxMin").asDouble(),
                    result.get("ratioToNginxMax").asDouble());
            assertThat(result.get("roundRatios")).hasSize(3).extracting(JsonNode::asDouble).contains(ratio);
            assertThat(result.get("serverCpuRatioToNginx").asDouble()).isPositive();
            assertThat(cli.out()).contains("nginx: 100 requests").contains("ratio flota/nginx");
        } else {
            assertThat(result.get("nginx").isNull()).isTrue();
            assertThat(result.get("ratioToNginx").isNull()).isTrue();
            assertThat(cli.out()).contains("nginx is not installed");
        }
        assertThat(Files.readString(html)).contains("<svg").contains("Requests per second");
    }

    @Test
    void ourServerCanRunInAJvmOfItsOwn() throws Exception {
        Path json = dir.resolve("child.json");
        Cli cli = Cli.run("bench", "server", "--server", "child", "--clients", "4", "--requests-per-client", "3",
                "--image-size", "128K", "--warmup-seconds", "0", "--rounds", "1", "--json", json.toString());
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        JsonNode result = Json.MAPPER.readTree(Files.readString(json));
        assertThat(result.get("server").asText()).isEqualTo("child");
        assertFigures(result.get("flota"));
    }

    @Test
    void aChildServerServesHttpsOnly() {
        Cli cli = Cli.run("bench", "server", "--server", "child", "--plain");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.err()).contains("--server child");
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
        assertThat(fields(figures)).containsExactly("requestsPerSec", "mbPerSec", "requestsPerSecMin",
                "requestsPerSecMax", "serverCpuMsPerRequest", "clientCpuMsPerRequest", "jitSeconds", "failures", "tls");
        double rate = figures.get("requestsPerSec").asDouble();
        assertThat(rate).isPositive().isBetween(figures.get("requestsPerSecMin").asDouble(),
                figures.get("requestsPerSecMax").asDouble());
        assertThat(figures.get("mbPerSec").asDouble()).isPositive();
        assertThat(figures.get("serverCpuMsPerRequest").asDouble()).as("the server's CPU is measured").isPositive();
        assertThat(figures.get("clientCpuMsPerRequest").asDouble()).isPositive();
        assertThat(figures.get("failures").asInt()).isZero();
        assertThat(figures.get("tls").asText()).startsWith("TLSv1.3 TLS_");
    }

    private static List<String> fields(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
