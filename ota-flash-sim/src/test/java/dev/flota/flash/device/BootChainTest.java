package dev.flota.flash.device;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import org.junit.jupiter.api.Test;

/**
 * A reset's boot chain before the app: on a device whose bootloader is an image in flash, a bootloader that does not
 * verify stops the boot, unless the chip's ROM has the recovery bootloader and its eFuse names one that verifies; a
 * partition table with an entry beyond the chip stops it too, as {@code esp_partition_table_verify} does.
 */
class BootChainTest {

    private static final long RECOVERY = 0xF0000;

    @Test
    void aBootloaderThatVerifiesStartsTheBootAndATornOneStopsIt() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestImages.bootloader(Chip.ESP32_C3, 1,
                6000), TestDevices.app("1.0"));
        DeviceProperties inFlash = DeviceProperties.of(Chip.ESP32_C3).withBootloaderInFlash(true);
        Device device = Device.poweredOn(flash, inFlash);
        assertThat(device.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(device.lastBoot().skipped()).isEmpty();

        flash.eraseSector(0x1000);
        BootResult torn = device.reboot();
        assertThat(torn.booted()).as("the ROM refuses the bootloader: nothing boots").isEmpty();
        assertThat(torn.skipped()).singleElement().asString().startsWith("ROM: primary bootloader at 0x0: ");
        assertThat(device.properties().runningPartition()).isEmpty();
        assertThat(Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3)).lastBoot().bootedLabel())
                .as("a device with the simulator's own bootloader does not read it").isEqualTo("factory");
    }

    @Test
    void aChipWithTheRecoveryBootloaderFallsBackToIt() {
        byte[] bootloader = TestImages.bootloader(Chip.ESP32_C5, 1, 6000);
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestImages.app(Chip.ESP32_C5, "1.0", 1000));
        flash.program(RECOVERY, bootloader);
        DeviceProperties properties = DeviceProperties.of(Chip.ESP32_C5).withBootloaderInFlash(true);
        assertThat(Device.poweredOn(flash, properties).lastBoot().booted()).as("primary blank, no eFuse").isEmpty();

        BootResult recovered = Device.poweredOn(flash, properties.withRecoveryBootloaderOffset(RECOVERY)).lastBoot();
        assertThat(recovered.bootedLabel()).isEqualTo("factory");
        assertThat(recovered.skipped()).first().asString().startsWith("ROM: primary bootloader at 0x2000: ");

        NorFlash c3 = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0"));
        c3.program(RECOVERY, TestImages.bootloader(Chip.ESP32_C3, 1, 6000));
        assertThat(Device.poweredOn(c3, DeviceProperties.of(Chip.ESP32_C3).withBootloaderInFlash(true)
                .withRecoveryBootloaderOffset(RECOVERY)).lastBoot().booted()).as("the ESP32-C3 ROM has no recovery")
                .isEmpty();
    }

    @Test
    void theSidecarKeepsTheBootChain() {
        DeviceProperties properties = DeviceProperties.of(Chip.ESP32_C5).withBootloaderInFlash(true)
                .withRecoveryBootloaderOffset(RECOVERY);
        assertThat(properties.encode()).contains("bootloader.inFlash=true", "efuse.recoveryBootloaderOffset=0xf0000");
        assertThat(DeviceProperties.parse(properties.encode())).isEqualTo(properties);
        DeviceProperties older = DeviceProperties.parse("chip=esp32c3\n");
        assertThat(older.bootloaderInFlash()).isFalse();
        assertThat(older.recoveryBootloaderOffset()).isZero();
    }

    @Test
    void aTableEntryBeyondTheChipStopsTheBoot() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0"));
        java.util.List<Partition> entries = new java.util.ArrayList<>(TestDevices.table(TestDevices.FACTORY_TWO_SLOTS)
                .partitions());
        Partition ota1 = entries.get(5);
        entries.set(5, Partition.of(ota1.label(), ota1.type(), ota1.subtype(), ota1.offset(), 0xFF040000L));
        flash.eraseSector(0x8000);
        flash.program(0x8000, PartitionTable.of(entries).encode(true));
        BootResult boot = Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3)).lastBoot();
        assertThat(boot.booted()).isEmpty();
        assertThat(boot.skipped()).singleElement().asString().contains("partition 5 invalid - offset 0x90000 size "
                + "0xff040000 exceeds flash chip size 0x100000");
    }
}
