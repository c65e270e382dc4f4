package dev.flota.ota;

import static dev.flota.ota.Conformance.NEW_APP;
import static dev.flota.ota.Conformance.device;
import static dev.flota.ota.Conformance.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.flash.device.Device;
import dev.flota.ota.fixtures.PythonHttpServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Against Python's {@code http.server}, the stock server of ESP-IDF's example tests, which ignores {@code Range}: a
 * partial download falls back to one plain GET, as ESP-IDF v6.1 does, taking the 200 to its first range as the whole
 * image. Needs python3, which {@code .ci/run} installs; without it the class is skipped with a notice, and CI fails on
 * skipped tests.
 */
class ConformanceOnPythonHttpServerTest {

    @TempDir
    static Path dir;

    private static PythonHttpServer.Running python;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(PythonHttpServer.available(), "python3 is not installed: the http.server tests are SKIPPED");
        Files.write(dir.resolve("app.bin"), NEW_APP);
        python = PythonHttpServer.start(dir);
    }

    @AfterAll
    static void stop() {
        if (python != null) {
            python.close();
        }
    }

    @Test
    void a1NormalUpdate() {
        Device device = device();
        update(device, python.url("app.bin"), o -> o.allowHttp(true)).assertSucceeded(device, "2.0");
    }

    @Test
    void partialDownloadFallsBackToOnePlainGet() {
        Device device = device();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        int before = python.requests().size();
        Conformance.Outcome outcome = update(device, python.url("app.bin"), o -> o.allowHttp(true)
                .partialHttpDownload(true).maxHttpRequestSize(4096).meterRegistry(registry));
        outcome.assertSucceeded(device, "2.0");
        assertThat(python.requests().subList(before, python.requests().size()))
                .as("HEAD, then the first range answered with the whole image, which is kept")
                .containsExactly("HEAD /app.bin 200", "GET /app.bin 200");
        assertThat(outcome.events()).filteredOn(e -> e instanceof OtaEvent.RangeIgnored)
                .containsExactly(new OtaEvent.RangeIgnored(0));
        assertThat(outcome.events()).contains(new OtaEvent.Connected(200, NEW_APP.length));
        assertThat(registry.get("flota.ota.http.range.ignored").tag("action", "plain_get").counter().count())
                .isEqualTo(1);
        assertThat(registry.get("flota.ota.bytes").tag("kind", "fetched").counter().count())
                .as("downloaded once").isEqualTo(NEW_APP.length);
    }
}
