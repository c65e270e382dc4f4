package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.sim.SimulatedTarget;
import dev.flota.ota.target.OtaTarget;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/** Shared pieces of the conformance suites: certificates, devices, images, running an update. */
final class Conformance {

    static final SelfSignedCertificates TLS = SelfSignedCertificates.generate();
    static final byte[] NEW_APP = TestDevices.app("2.0");

    private Conformance() {
    }

    static Device device() {
        return TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
    }

    static HttpsOta client(String url) {
        return HttpsOta.create().url(url).caPem(TLS.caPem())
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30))
                .retries(3, Duration.ofMillis(10), Duration.ofMillis(50));
    }

    /** Runs the update; returns the events, or the failure. */
    static Outcome update(Device device, HttpsOta ota) {
        return update(SimulatedTarget.of(device), ota);
    }

    static Outcome update(OtaTarget target, HttpsOta ota) {
        try {
            List<OtaEvent> events = ota.update(target).collectList().block(Duration.ofSeconds(60));
            return new Outcome(events, null);
        } catch (OtaException e) {
            return new Outcome(List.of(), e);
        }
    }

    static Outcome update(Device device, String url, UnaryOperator<HttpsOta> options) {
        return update(device, options.apply(client(url)));
    }

    /** Updates a fresh {@link #device()} with {@code ota}: it must succeed and boot version 2.0. */
    static void assertUpdates(HttpsOta ota) {
        Device device = device();
        update(device, ota).assertSucceeded(device, "2.0");
    }

    /** Updates a fresh {@link #device()} with {@code ota}: it must fail with {@code error}, the old app booting. */
    static OtaException assertRefused(HttpsOta ota, OtaError error) {
        Device device = device();
        Outcome outcome = update(device, ota);
        outcome.assertFailed(device, error);
        return outcome.failure();
    }

    /** The result of one update. */
    record Outcome(List<OtaEvent> events, OtaException failure) {

        void assertSucceeded(Device device, String version) {
            assertThat(failure).as("failure").isNull();
            assertThat(events).last().isInstanceOf(OtaEvent.Finished.class);
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo(version);
        }

        void assertFailed(Device device, OtaError error) {
            assertThat(failure).as("expected %s", error).isNotNull();
            assertThat(failure.error()).as(failure.getMessage()).isEqualTo(error);
            assertThat(device.reboot().appDescription().orElseThrow().version()).as("old firmware still boots")
                    .isEqualTo("1.0");
        }
    }

    static byte[] withByte(byte[] image, int offset, int value) {
        byte[] copy = image.clone();
        copy[offset] = (byte) value;
        return copy;
    }

    static byte[] otherChip() {
        return dev.flota.flash.testing.TestImages.app(Chip.ESP32_S3, "s3", 2000);
    }
}
