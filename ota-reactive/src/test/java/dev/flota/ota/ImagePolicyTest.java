package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.pipeline.ImageCandidate;
import dev.flota.ota.pipeline.ImagePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * The caller's {@link ImagePolicy} decides on bootloader images too, seeing the new {@code esp_bootloader_desc_t}
 * and that of the bootloader in flash, before anything is erased; the two-argument app rules keep working.
 */
class ImagePolicyTest {

    @Test
    void skipSameVersionRefusesTheBootloaderAlreadyInFlashBeforeAnyErase() {
        Device device = deviceWithBootloader(3);
        long before = device.flash().stats().mutatingOperations();
        Conformance.Outcome refused = updateBootloader(device, TestImages.bootloader(Chip.ESP32_C3, 3, 4000),
                ImagePolicy.skipSameVersion());
        assertThat(refused.failure()).as("refused").isNotNull();
        assertThat(refused.failure().error()).isEqualTo(OtaError.POLICY_REJECTED);
        assertThat(refused.failure().getMessage()).contains("bootloader version 3 already runs");
        assertThat(device.flash().stats().mutatingOperations()).as("nothing erased or written").isEqualTo(before);

        Conformance.Outcome newer = updateBootloader(device, TestImages.bootloader(Chip.ESP32_C3, 4, 4000),
                ImagePolicy.skipSameVersion());
        assertThat(newer.failure()).as("another version passes").isNull();
        assertThat(OtaOperations.on(device).getBootloaderDescription().orElseThrow().version()).isEqualTo(4);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
    }

    @Test
    void aPolicySeesBothBootloaderDescriptorsAndAnAppRuleLetsBootloadersPass() {
        List<ImageCandidate> seen = new ArrayList<>();
        ImagePolicy recording = candidate -> {
            seen.add(candidate);
            return Optional.empty();
        };
        Device device = deviceWithBootloader(3);
        byte[] four = TestImages.bootloader(Chip.ESP32_C3, 4, 4000);
        assertThat(updateBootloader(device, four, recording).failure()).isNull();
        assertThat(seen).singleElement().isInstanceOfSatisfying(ImageCandidate.Bootloader.class, b -> {
            assertThat(b.image().version()).isEqualTo(4);
            assertThat(b.current().orElseThrow().version()).isEqualTo(3);
            assertThat(b.version()).isEqualTo("4");
            assertThat(b.currentVersion()).hasValue("3");
        });

        ImagePolicy appsOnly = ImagePolicy.forApps((image, running) -> Optional.of("no app today"));
        assertThat(updateBootloader(deviceWithBootloader(3), four, appsOnly).failure()).isNull();
        ImagePolicy noDowngrade = ImagePolicy.forBootloaders((image, current) -> current
                .filter(c -> image.version() < c.version()).map(c -> "bootloader " + image.version() + " is older"));
        Conformance.Outcome older = updateBootloader(deviceWithBootloader(5), four, noDowngrade);
        assertThat(older.failure().error()).isEqualTo(OtaError.POLICY_REJECTED);
        assertThat(older.failure().getMessage()).contains("bootloader 4 is older");
    }

    @Test
    void anAppRuleInTheTwoArgumentFormStillDecidesOnApps() {
        Device device = deviceWithBootloader(3);
        ImagePolicy refuse2 = ImagePolicy.forApps((image, running) -> image.version().equals("2.0")
                && running.orElseThrow().version().equals("1.0") ? Optional.of("not 2.0 over 1.0") : Optional.empty());
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            Conformance.update(device, HttpsOta.create().url(server.url()).allowHttp(true).policy(refuse2))
                    .assertFailed(device, OtaError.POLICY_REJECTED);
            ImagePolicy bootloadersOnly = ImagePolicy.forBootloaders((image, current) -> Optional.of("never"));
            Conformance.update(device, HttpsOta.create().url(server.url()).allowHttp(true).policy(bootloadersOnly))
                    .assertSucceeded(device, "2.0");
        }
    }

    private static Conformance.Outcome updateBootloader(Device device, byte[] image, ImagePolicy policy) {
        try (ByteServer server = new ByteServer(image)) {
            return Conformance.update(device, HttpsOta.create().url(server.url()).allowHttp(true)
                    .partitions("ota_1", "PrimaryBTLDR", true).policy(policy));
        }
    }

    private static Device deviceWithBootloader(long version) {
        return TestDevices.device(TestDevices.flash(TestDevices.WITH_BOOTLOADER_ENTRIES,
                TestImages.bootloader(Chip.ESP32_C3, version, 4000), TestDevices.app("1.0")), false);
    }
}
