package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageBuilder;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** bulkFlashErase, anti-rollback before the first erase, and the erase phase timer. */
class PipelineOptionsTest {

    @Test
    void bulkFlashEraseErasesTheImageUpFront() {
        byte[] image = TestDevices.app("2.0");
        try (ByteServer server = new ByteServer(image)) {
            Device device = Conformance.device();
            long erasedBefore = erasedBytes(device);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            HttpsOta.create().url(server.url()).allowHttp(true).bulkFlashErase(true).meterRegistry(registry)
                    .update(SimulatedTarget.of(device)).blockLast(Duration.ofSeconds(30));
            long imageSectors = (image.length + 4095) / 4096 * 4096L;
            assertThat(erasedBytes(device) - erasedBefore).as("the image's length rounded up to sectors (not the "
                    + "partition), and at most both otadata sectors").isBetween(imageSectors, imageSectors + 2 * 4096);
            assertThat(registry.get("flota.ota.phase").tag("phase", "erase").timer().count()).isEqualTo(1);
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    /** Bytes erased so far, whether by 4 KiB sector or 64 KiB block erases. */
    private static long erasedBytes(Device device) {
        return device.flash().stats().sectorErases() * NorFlash.SECTOR_SIZE
                + device.flash().stats().blockErases() * (long) NorFlash.BLOCK_SIZE;
    }

    @Test
    void antiRollbackRefusesAnOlderSecureVersionBeforeAnyErase() {
        byte[] old = ImageBuilder.app(Chip.ESP32_C3, TestImages.description("0.9", 1)).segment(0x40380000L,
                new byte[64]).build();
        try (ByteServer server = new ByteServer(old)) {
            Device device = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")),
                    DeviceProperties.of(Chip.ESP32_C3).withAntiRollback(2));
            long before = device.flash().stats().mutatingOperations();
            Conformance.Outcome outcome = Conformance.update(device, HttpsOta.create().url(server.url())
                    .allowHttp(true));
            assertThat(outcome.failure().error()).isEqualTo(OtaError.SMALL_SEC_VER);
            assertThat(outcome.failure().error().espName()).isEqualTo("ESP_ERR_OTA_SMALL_SEC_VER");
            assertThat(device.flash().stats().mutatingOperations()).isEqualTo(before);
        }
    }
}
