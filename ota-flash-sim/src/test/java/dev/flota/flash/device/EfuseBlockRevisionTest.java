package dev.flota.flash.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageError;
import dev.flota.flash.image.ImageFinding;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.ota.OtaException;
import dev.flota.flash.ota.OtaHandle;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The eFuse block revision: a device property kept in the sidecar, and the range an app's descriptor allows
 * ({@code min/max_efuse_blk_rev_full}), which {@code esp_image_verify} enforces on every chip but the ESP32 wherever
 * the device verifies an app: {@code esp_ota_end}, {@code esp_ota_set_boot_partition} and the boot.
 */
class EfuseBlockRevisionTest {

    @TempDir
    Path dir;

    @Test
    void theRangeIsCheckedWhenSetAndNotOnTheEsp32() {
        assertThat(findings(Chip.ESP32_C3, 100, 0, 0)).containsExactly(ImageError.EFUSE_BLOCK_REVISION_TOO_LOW);
        assertThat(findings(Chip.ESP32_C3, 100, 0, 100)).isEmpty();
        assertThat(findings(Chip.ESP32_C3, 0, 199, 200)).containsExactly(ImageError.EFUSE_BLOCK_REVISION_TOO_HIGH);
        assertThat(findings(Chip.ESP32_C3, 100, 199, 199)).isEmpty();
        assertThat(findings(Chip.ESP32_C3, 0xFFFF, 0xFFFF, 0)).as("0xFFFF is not set").isEmpty();
        assertThat(findings(Chip.ESP32_C3, 0, 0, 300)).as("0 is not set").isEmpty();
        assertThat(findings(Chip.ESP32, 100, 0, 0)).as("ESP32 has no eFuse bits for it").isEmpty();

        byte[] image = app(Chip.ESP32_C3, 100, 0);
        assertThat(ImageVerifier.verify(image).valid()).as("no device given: nothing to compare").isTrue();
        assertThat(ImageVerifier.verify(image, VerifyOptions.defaults().device(Chip.ESP32_C3, 0)).findings())
                .as("a device without a stated eFuse block revision is at v0.0").extracting(ImageFinding::error)
                .containsExactly(ImageError.EFUSE_BLOCK_REVISION_TOO_LOW);
        assertThat(ImageVerifier.verify(image, VerifyOptions.defaults().device(Chip.ESP32_C3, 0).efuseBlockRevision(0)
                .expectKind(ImageKind.APP)).findings().get(0).message())
                .isEqualTo("image requires efuse blk rev >= v1.0, device is v0.0");
    }

    @Test
    void theSidecarKeepsItAndOlderSidecarsReadAsV0() {
        DeviceProperties properties = DeviceProperties.of(Chip.ESP32_S3).withChipRevision(2)
                .withEfuseBlockRevision(102);
        assertThat(properties.encode()).contains("efuse.blockRevision=1.2");
        Path sidecar = DeviceProperties.sidecarOf(dir.resolve("flash.bin"));
        properties.save(sidecar);
        assertThat(DeviceProperties.load(sidecar)).isEqualTo(properties);
        assertThat(DeviceProperties.parse("chip=esp32c3\n").efuseBlockRevision()).isZero();
        assertThatThrownBy(() -> DeviceProperties.parseRevision("1")).hasMessageContaining("MAJOR.MINOR");
    }

    @Test
    void theDeviceRefusesAnAppOutsideItsRangeAtEndAtSetBootAndAtBoot() {
        byte[] needsV1 = app(Chip.ESP32_C3, 100, 0);
        Device device = device(TestDevices.app("1.0"), 0);
        OtaOperations ota = OtaOperations.on(device);
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        OtaHandle handle = ota.begin(ota0, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.write(needsV1);
        assertThatThrownBy(handle::end).isInstanceOfSatisfying(OtaException.class, e -> {
            assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED);
            assertThat(e.getMessage()).contains("EFUSE_BLOCK_REVISION_TOO_LOW");
        });
        assertThatThrownBy(() -> ota.setBootPartition(ota0)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));

        Device stuck = device(needsV1, 0);
        assertThat(stuck.lastBoot().booted()).as("the only app needs eFuse blocks v1.0").isEmpty();
        assertThat(stuck.lastBoot().skipped()).anyMatch(s -> s.contains("factory: EFUSE_BLOCK_REVISION_TOO_LOW"));
        assertThat(device(needsV1, 101).lastBoot().bootedLabel()).isEqualTo("factory");
    }

    private static Device device(byte[] factoryApp, int efuseBlockRevision) {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, factoryApp);
        return Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3).withEfuseBlockRevision(efuseBlockRevision));
    }

    private static java.util.List<ImageError> findings(Chip chip, int min, int max, int device) {
        return ImageVerifier.verify(app(chip, min, max), VerifyOptions.defaults().device(chip, 0)
                .efuseBlockRevision(device).expectKind(ImageKind.APP)).findings().stream().map(ImageFinding::error)
                .toList();
    }

    private static byte[] app(Chip chip, int minEfuseBlkRevFull, int maxEfuseBlkRevFull) {
        return TestImages.builder(chip, "2.0", 1000, app -> app.efuseBlockRevisions(minEfuseBlkRevFull,
                maxEfuseBlkRevFull)).build();
    }
}
