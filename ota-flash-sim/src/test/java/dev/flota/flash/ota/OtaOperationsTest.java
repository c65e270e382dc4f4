package dev.flota.flash.ota;

import dev.flota.flash.EspError;
import static dev.flota.flash.testing.TestDevices.FACTORY_TWO_SLOTS;
import static dev.flota.flash.testing.TestDevices.FOUR_SLOTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageBuilder;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.otadata.OtaImgState;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import org.junit.jupiter.api.Test;

/** esp_ota_ops semantics on the simulated device: updates, boot switching, rollback, anti-rollback, errors. */
class OtaOperationsTest {

    @Test
    void updateFromFactoryBootsTheNewAppAfterReboot() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
        assertThat(device.runningPartition().orElseThrow().label()).isEqualTo("factory");
        Partition target = OtaFlow.update(device, TestDevices.app("2.0"));
        assertThat(target.label()).isEqualTo("ota_0");
        OtaOperations ota = OtaOperations.on(device);
        assertThat(ota.getBootPartition().orElseThrow().label()).isEqualTo("ota_0");
        assertThat(device.runningPartition().orElseThrow().label()).isEqualTo("factory");
        BootResult boot = device.reboot();
        assertThat(boot.bootedLabel()).isEqualTo("ota_0");
        assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(ota.getNextUpdatePartition(null).orElseThrow().label()).isEqualTo("ota_1");
        assertThat(ota.getStatePartition(target)).isEqualTo(OtaImgState.UNDEFINED);
    }

    @Test
    void rollbackLifecycle() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), true);
        OtaFlow.update(device, TestDevices.app("2.0"));
        device.reboot();
        OtaOperations ota = OtaOperations.on(device);
        Partition ota0 = device.runningPartition().orElseThrow();
        assertThat(ota.getStatePartition(ota0)).isEqualTo(OtaImgState.PENDING_VERIFY);
        assertThatThrownBy(() -> ota.begin(device.partitionTable().find("ota_1").orElseThrow(),
                OtaOperations.OTA_SIZE_UNKNOWN)).isInstanceOfSatisfying(OtaException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_ROLLBACK_INVALID_STATE));
        ota.markAppValidCancelRollback();
        assertThat(ota.getStatePartition(ota0)).isEqualTo(OtaImgState.VALID);

        OtaFlow.update(device, TestDevices.app("3.0"));
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("3.0");
        BootResult unconfirmed = device.reboot();
        assertThat(unconfirmed.appDescription().orElseThrow().version()).as("no confirmation: rolled back")
                .isEqualTo("2.0");
        assertThat(unconfirmed.otadataChanges()).anyMatch(c -> c.contains("PENDING_VERIFY -> ABORTED"));
        assertThat(ota.getLastInvalidPartition().orElseThrow().label()).isEqualTo("ota_1");
    }

    @Test
    void markInvalidRollsBackAndReboots() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), true);
        OtaFlow.update(device, TestDevices.app("2.0"));
        device.reboot();
        OtaOperations.on(device).markAppInvalidRollbackAndReboot();
        assertThat(device.runningPartition().orElseThrow().label()).isEqualTo("factory");
    }

    @Test
    void rollbackWithoutAnotherAppFails() {
        Device device = TestDevices.device(TestDevices.flash(FOUR_SLOTS, TestDevices.app("1.0")), true);
        OtaOperations ota = OtaOperations.on(device);
        assertThat(device.runningPartition().orElseThrow().label()).isEqualTo("ota_0");
        assertThatThrownBy(ota::markAppInvalidRollbackAndReboot).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_ROLLBACK_FAILED));
    }

    @Test
    void initialOtadataGetsItsFirstEntryWhenOta0Boots() {
        Device device = TestDevices.device(TestDevices.flash(FOUR_SLOTS, TestDevices.app("1.0")), false);
        assertThat(device.lastBoot().otadataChanges()).containsExactly("otadata[0] seq 1: initial -> VALID");
        assertThat(OtaOperations.on(device).getStatePartition(device.runningPartition().orElseThrow()))
                .isEqualTo(OtaImgState.VALID);
    }

    @Test
    void wrongChipAndBadDigestAreRefusedBySetBootAndSkippedByTheBootloader() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
        OtaOperations ota = OtaOperations.on(device);
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        byte[] wrongChip = TestImages.app(Chip.ESP32_S3, "s3", 500);
        OtaHandle handle = ota.begin(ota0, wrongChip.length);
        handle.write(wrongChip);
        assertThatThrownBy(handle::end).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
        assertThatThrownBy(() -> ota.setBootPartition(ota0)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));

        byte[] corrupt = TestDevices.app("2.0");
        corrupt[corrupt.length - 1] ^= 1;
        device.flash().eraseRange(ota0.offset(), ota0.size());
        device.flash().program(ota0.offset(), corrupt);
        assertThatThrownBy(() -> ota.setBootPartition(ota0)).isInstanceOf(OtaException.class);
        assertThat(ota.getBootPartition().orElseThrow().label()).isEqualTo("factory");
        assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
    }

    @Test
    void setBootReusesTheCheckOfEndOnlyWhileTheFlashIsUnchangedAndReadsAreExact() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
        OtaOperations ota = OtaOperations.on(device);
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        byte[] image = TestDevices.app("2.0");
        writeAndEnd(ota, ota0, image);
        long before = device.flash().stats().bytesRead();
        ota.setBootPartition(ota0);
        assertThat(device.flash().stats().bytesRead() - before).as("only otadata is read again")
                .isLessThan(image.length);
        ota.setBootPartition(device.partitionTable().find("factory").orElseThrow());

        writeAndEnd(ota, ota0, image);
        device.flash().faults().flipBitOnRead(ota0.offset() + image.length / 2, 3);
        assertThatThrownBy(() -> ota.setBootPartition(ota0)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
        device.flash().faults().clear();

        writeAndEnd(ota, ota0, image);
        int at = image.length / 2;
        while (image[at] == 0) {
            at++;
        }
        device.flash().program(ota0.offset() + at, new byte[] {0});
        assertThatThrownBy(() -> ota.setBootPartition(ota0)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
        assertThat(ota.getBootPartition().orElseThrow().label()).isEqualTo("factory");
    }

    private static void writeAndEnd(OtaOperations ota, Partition partition, byte[] image) {
        OtaHandle handle = ota.begin(partition, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.write(image);
        handle.end();
    }

    @Test
    void bootloaderFallsBackWhenTheChosenSlotDoesNotVerify() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
        Partition target = OtaFlow.update(device, TestDevices.app("2.0"));
        device.flash().eraseSector(target.offset());
        BootResult boot = device.reboot();
        assertThat(boot.bootedLabel()).isEqualTo("factory");
        assertThat(boot.skipped()).singleElement().asString().startsWith("ota_0: INVALID_MAGIC");
    }

    @Test
    void antiRollbackRefusesAndErasesOlderApps() {
        NorFlash flash = TestDevices.flash(FOUR_SLOTS, appWithSecureVersion("1.0", 2));
        Device device = Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3).withRollback(true)
                .withAntiRollback(1));
        assertThat(device.properties().efuseSecureVersion()).as("raised by the initial VALID boot").isEqualTo(2);
        OtaOperations ota = OtaOperations.on(device);
        Partition target = ota.getNextUpdatePartition(null).orElseThrow();
        byte[] old = appWithSecureVersion("0.9", 1);
        OtaHandle handle = ota.begin(target, old.length);
        handle.write(old);
        handle.end();
        assertThatThrownBy(() -> ota.setBootPartition(target)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_SMALL_SEC_VER));
        assertThat(flash.read(target.offset(), 16)).containsOnly((byte) 0xFF);

        OtaFlow.update(device, appWithSecureVersion("3.0", 5));
        device.reboot();
        ota.markAppValidCancelRollback();
        assertThat(device.properties().efuseSecureVersion()).isEqualTo(5);
    }

    @Test
    void beginChecksItsTarget() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
        OtaOperations ota = OtaOperations.on(device);
        Partition factory = device.partitionTable().factory().orElseThrow();
        assertError(() -> ota.begin(factory, 100), EspError.ESP_ERR_INVALID_ARG);
        OtaFlow.update(device, TestDevices.app("2.0"));
        device.reboot();
        assertError(() -> ota.begin(device.runningPartition().orElseThrow(), 100),
                EspError.ESP_ERR_OTA_PARTITION_CONFLICT);
        Partition ota1 = device.partitionTable().find("ota_1").orElseThrow();
        assertError(() -> ota.begin(ota1, ota1.size() + 1), EspError.ESP_ERR_INVALID_SIZE);
        assertError(() -> ota.begin(Partition.of("ghost", 0, 0x10, 0x200000, 0x1000), 100),
                EspError.ESP_ERR_NOT_FOUND);
        OtaHandle handle = ota.begin(ota1, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        assertError(() -> handle.write(new byte[] {0x00, 0x01}), EspError.ESP_ERR_OTA_VALIDATE_FAILED);
        assertError(handle::end, EspError.ESP_ERR_INVALID_ARG);
        assertError(handle::end, EspError.ESP_ERR_NOT_FOUND);
    }

    @Test
    void resumeContinuesAHalfWrittenPartition() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
        OtaOperations ota = OtaOperations.on(device);
        byte[] image = TestDevices.app("2.0");
        Partition target = ota.getNextUpdatePartition(null).orElseThrow();
        OtaHandle first = ota.begin(target, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        int half = 6000;
        first.write(java.util.Arrays.copyOf(image, half));
        first.abort();
        OtaHandle resumed = ota.resume(target, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES, half);
        resumed.write(java.util.Arrays.copyOfRange(image, half, image.length));
        resumed.end();
        ota.setBootPartition(target);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void dataPartitionWithFinalizeCopy() {
        Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
        OtaOperations ota = OtaOperations.on(device);
        Partition staging = device.partitionTable().find("ota_0").orElseThrow();
        Partition nvs = device.partitionTable().find("nvs").orElseThrow();
        OtaHandle handle = ota.begin(staging, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.setFinalPartition(nvs, true);
        byte[] data = "7296406769363431".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        handle.write(data);
        handle.end();
        assertThat(device.flash().read(nvs.offset(), data.length)).isEqualTo(data);
    }

    private static byte[] appWithSecureVersion(String version, long secureVersion) {
        return ImageBuilder.app(Chip.ESP32_C3, TestImages.description(version, secureVersion))
                .segment(0x40380000L, new byte[256]).build();
    }

    private static void assertError(Runnable call, EspError error) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(error));
    }
}
