package dev.flota.ota;

import static dev.flota.ota.Conformance.NEW_APP;
import static dev.flota.ota.Conformance.device;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.server.ServedRequest;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wasted bytes are the bytes received minus those the image needed ({@link OtaEvent.Finished#bytesWasted()} and
 * {@code flota.ota.bytes{kind=wasted}}), checked against the image server's own count of the body bytes it sent.
 */
class WastedBytesTest {

    @TempDir
    Path dir;

    private RunningImageServer serve(ServerFaults faults) throws IOException {
        Files.write(dir.resolve("app.bin"), NEW_APP);
        return ImageServer.create().directory(dir).host("127.0.0.1").port(0).handler(ServerFaults.inject(faults))
                .bindNow();
    }

    private static OtaEvent.Finished update(RunningImageServer server, SimpleMeterRegistry registry, String version) {
        Device device = device();
        Conformance.Outcome outcome = Conformance.update(device, HttpsOta.create().url(server.url("app.bin"))
                .allowHttp(true).partialHttpDownload(true).maxHttpRequestSize(8192).meterRegistry(registry));
        outcome.assertSucceeded(device, version);
        return (OtaEvent.Finished) outcome.events().get(outcome.events().size() - 1);
    }

    private static double meter(SimpleMeterRegistry registry, String kind) {
        var counter = registry.find("flota.ota.bytes").tag("kind", kind).counter();
        return counter == null ? 0 : counter.count();
    }

    @Test
    void theSizeProbesByteCountsAndAResumedResetDoesNot() throws IOException {
        try (RunningImageServer server = serve(ServerFaults.none().refuseHead().closeOnceAfter(3000))) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            OtaEvent.Finished finished = update(server, registry, "2.0");
            long sent = server.requests().bodyBytes();
            assertThat(server.requests().all()).extracting(r -> r.range() + " " + r.bodyBytes())
                    .as("the probe, and the first range cut by a reset").contains("bytes=0-0 1", "bytes=0-8191 3000");
            assertThat(finished.bytesWasted()).isEqualTo(sent - NEW_APP.length).isEqualTo(1);
            assertThat(meter(registry, "wasted")).isEqualTo(sent - NEW_APP.length);
            assertThat(meter(registry, "fetched")).isEqualTo(sent);
        }
    }

    @Test
    void whatCameBeforeTheImageChangedCounts() throws IOException {
        byte[] v3 = TestDevices.app("3.0");
        try (RunningImageServer server = serve(ServerFaults.none().replaceAfter(3, v3))) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            OtaEvent.Finished finished = update(server, registry, "3.0");
            // the 200 that showed the change is dropped unread: it leaves the server's count of what was received
            long read = server.requests().matching(r -> !(r.status() == 200 && r.range() != null)).stream()
                    .mapToLong(ServedRequest::bodyBytes).sum();
            assertThat(finished.bytesWasted()).isEqualTo(read - v3.length).isEqualTo(2 * 8192);
            assertThat(meter(registry, "wasted")).isEqualTo(read - v3.length);
            assertThat(meter(registry, "fetched")).isEqualTo(read);
        }
    }
}
