package dev.flota.flash.ota;

import static dev.flota.flash.testing.TestDevices.FACTORY_TWO_SLOTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.CompactStorage;
import dev.flota.flash.nor.SectorPool;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Devices of one {@link SectorPool} share esp_ota_end's image check: a device reading back, byte for byte, an image
 * another one verified takes that verdict, and any other flash contents are checked on their own.
 */
class SharedReadBackTest {

    private final SectorPool pool = new SectorPool();
    private final byte[] image = TestImages.builder(Chip.ESP32_C3, "2.0", 120_000).build();

    @Test
    void aDeviceReadingBackTheImageAnotherVerifiedTakesThatVerdictAndBoots() {
        update(image, true);
        assertThat(pool.contentMemo().hits()).isZero();
        Device second = update(image, true);
        assertThat(pool.contentMemo().hits()).as("verdicts taken from the first device's check").isEqualTo(1);
        assertThat(second.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void aDeviceWhoseImageDiffersInOneByteFromARememberedOneIsRefused() {
        update(image, true);
        byte[] damaged = image.clone();
        damaged[image.length / 2] ^= 0x01;
        update(damaged, false);
        assertThat(pool.contentMemo().hits()).isZero();
        update(image, true);
        assertThat(pool.contentMemo().hits()).isEqualTo(1);
    }

    @Test
    void aRefusedImageIsNotRemembered() {
        byte[] damaged = image.clone();
        damaged[image.length - 40] ^= 0x01;
        update(damaged, false);
        update(damaged, false);
        assertThat(pool.contentMemo().size()).isZero();
    }

    @Test
    void aDifferentImageGetsItsOwnVerdictAndBoots() {
        update(image, true);
        Device other = update(TestImages.builder(Chip.ESP32_C3, "3.0", 90_000).build(), true);
        assertThat(pool.contentMemo().hits()).isZero();
        assertThat(other.reboot().appDescription().orElseThrow().version()).isEqualTo("3.0");
        assertThat(pool.contentMemo().size()).isEqualTo(2);
    }

    /**
     * After the boot switch, a fleet device holds no sector of its own: the image's last sector and the otadata entry
     * it wrote are shared with the devices that wrote the same, so 10,000 updated devices do not each keep copies.
     */
    @Test
    void aDeviceThatSwitchedItsBootPartitionSharesEverySectorItWrote() {
        update(image, true);
        CompactStorage storage = new CompactStorage(TestDevices.FLASH_SIZE, pool);
        Device device = TestDevices.device(TestDevices.flash(TestDevices.table(FACTORY_TWO_SLOTS),
                TestDevices.app("1.0"), storage), false);
        OtaOperations ota = OtaOperations.on(device);
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        OtaHandle handle = ota.begin(ota0, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.write(image);
        handle.end();
        assertThat(storage.ownSectors()).as("while the update is open").isPositive();
        ota.setBootPartition(ota0);
        assertThat(storage.ownSectors()).isZero();
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    /** A fresh device of the pool writes {@code bytes} to ota_0, reading back as it goes, and ends the update. */
    private Device update(byte[] bytes, boolean verifies) {
        Device device = TestDevices.device(TestDevices.flash(TestDevices.table(FACTORY_TWO_SLOTS),
                TestDevices.app("1.0"), new CompactStorage(TestDevices.FLASH_SIZE, pool)), false);
        OtaOperations ota = OtaOperations.on(device);
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        OtaHandle handle = ota.begin(ota0, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        for (int at = 0; at < bytes.length; at += 16 * 1024) {
            handle.write(Arrays.copyOfRange(bytes, at, Math.min(bytes.length, at + 16 * 1024)));
            handle.verifyWritten();
        }
        if (verifies) {
            handle.end();
            ota.setBootPartition(ota0);
        } else {
            assertThatThrownBy(handle::end).isInstanceOfSatisfying(OtaException.class,
                    e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
            assertThat(ota.getBootPartition().orElseThrow().label()).isEqualTo("factory");
        }
        return device;
    }
}
