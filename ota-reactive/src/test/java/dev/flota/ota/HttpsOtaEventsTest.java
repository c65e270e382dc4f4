package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import reactor.test.StepVerifier;

/** Event order for success, failure and cancellation, and exact meter values, over plain HTTP. */
class HttpsOtaEventsTest {

    private static Device device() {
        return TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
    }

    private static HttpsOta ota(ByteServer server) {
        return HttpsOta.create().url(server.url()).allowHttp(true);
    }

    @Test
    void successEmitsTheEspEventsInOrder() {
        byte[] image = TestDevices.app("2.0");
        try (ByteServer server = new ByteServer(image)) {
            Device device = device();
            StepVerifier.create(ota(server).partialHttpDownload(true).maxHttpRequestSize(16 * 1024).update(SimulatedTarget.of(device)))
                    .expectNextMatches(e -> e instanceof OtaEvent.Started)
                    .expectNextMatches(e -> e instanceof OtaEvent.Connected c && c.status() == 206
                            && c.imageSize() == image.length)
                    .expectNextMatches(e -> e instanceof OtaEvent.ImageDescriptionRead r
                            && r.app().orElseThrow().version().equals("2.0"))
                    .expectNext(new OtaEvent.ChipIdVerified(Chip.ESP32_C3.id()))
                    .expectNext(new OtaEvent.ChipRevisionVerified(0))
                    .thenConsumeWhile(e -> e instanceof OtaEvent.FlashWritten)
                    .expectNext(new OtaEvent.BootPartitionUpdated("ota_0", 0x10))
                    .expectNextMatches(e -> e instanceof OtaEvent.Finished f && f.imageSize() == image.length
                            && f.bytesWasted() == 0 && f.peakBufferedBytes() > 0 && f.peakBufferedBytes() <= 64 * 1024)
                    .verifyComplete();
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    @Test
    void failureEmitsAbortedThenTheErrorAndLeavesTheDeviceAlone() {
        try (ByteServer server = new ByteServer(TestImages.app(Chip.ESP32_S3, "s3", 2000))) {
            Device device = device();
            long erasesBefore = device.flash().stats().mutatingOperations();
            StepVerifier.create(ota(server).update(SimulatedTarget.of(device)))
                    .expectNextMatches(e -> e instanceof OtaEvent.Started)
                    .expectNextMatches(e -> e instanceof OtaEvent.Connected)
                    .expectNextMatches(e -> e instanceof OtaEvent.ImageDescriptionRead)
                    .expectNext(new OtaEvent.ChipIdVerified(Chip.ESP32_S3.id()))
                    .expectNextMatches(e -> e instanceof OtaEvent.Aborted a && a.cause().error() == OtaError.INVALID_VERSION)
                    .expectErrorSatisfies(e -> assertThat(((OtaException) e).error().espName())
                            .isEqualTo("ESP_ERR_INVALID_VERSION"))
                    .verify(Duration.ofSeconds(30));
            assertThat(device.flash().stats().mutatingOperations()).as("nothing erased before the chip check")
                    .isEqualTo(erasesBefore);
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    void cancellingAbortsAndTheOldAppStillBoots() {
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            Device device = device();
            StepVerifier.create(ota(server).partialHttpDownload(true).maxHttpRequestSize(4096).update(SimulatedTarget.of(device)))
                    .expectNextMatches(e -> e instanceof OtaEvent.Started)
                    .thenConsumeWhile(e -> !(e instanceof OtaEvent.FlashWritten))
                    .thenCancel()
                    .verify(Duration.ofSeconds(30));
            assertThat(OtaOperationsView.bootLabel(device)).isEqualTo("factory");
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    void metersCountEveryByteAndRequest() {
        byte[] image = TestDevices.app("2.0");
        try (ByteServer server = new ByteServer(image)) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            int requestSize = 16 * 1024;
            List<OtaEvent> events = ota(server).partialHttpDownload(true).maxHttpRequestSize(requestSize)
                    .meterRegistry(registry).update(SimulatedTarget.of(device())).collectList().block(Duration.ofSeconds(30));
            assertThat(events).last().isInstanceOf(OtaEvent.Finished.class);
            int ranges = (image.length + requestSize - 1) / requestSize;
            assertThat(registry.get("flota.ota.bytes").tag("kind", "fetched").counter().count()).isEqualTo(image.length);
            assertThat(registry.get("flota.ota.bytes").tag("kind", "written").counter().count()).isEqualTo(image.length);
            assertThat(registry.find("flota.ota.bytes").tag("kind", "wasted").counter()).isNull();
            assertThat(registry.get("flota.ota.http.requests").tag("method", "HEAD").counter().count()).isEqualTo(1);
            assertThat(registry.get("flota.ota.http.requests").tag("method", "GET").counter().count()).isEqualTo(ranges);
            assertThat(registry.get("flota.ota.http.responses").tag("status", "206").counter().count())
                    .isEqualTo(ranges);
            assertThat(server.requests.get()).isEqualTo(ranges + 1);
            assertThat(registry.get("flota.ota.updates").tag("outcome", "success").counter().count()).isEqualTo(1);
            assertThat(registry.get("flota.ota.updates.in.flight").gauge().value()).isZero();
            assertThat(registry.get("flota.ota.bytes.buffered").gauge().value()).isZero();
            assertThat(registry.get("flota.ota.phase").tag("phase", "boot_switch").timer().count()).isEqualTo(1);

            ota(server).meterRegistry(registry).url(server.url().replace("app.bin", "x")).allowHttp(false)
                    .update(SimulatedTarget.of(device())).onErrorResume(e -> reactor.core.publisher.Mono.empty()).blockLast();
            assertThat(registry.get("flota.ota.updates").tag("outcome", "failure").tag("error", "INVALID_ARG")
                    .counter().count()).isEqualTo(1);
        }
    }

    /** What otadata says boots next. */
    static final class OtaOperationsView {
        static String bootLabel(Device device) {
            return dev.flota.flash.ota.OtaOperations.on(device).getBootPartition().orElseThrow().label();
        }
    }
}
