package dev.flota.flash.testing;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashProvisioning;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.partition.PartitionTable;

/** Simulated devices for tests: small tables, in-memory flash, instant timing. */
public final class TestDevices {

    /** Factory app and two OTA slots of 256 KiB in 1 MiB of flash. */
    public static final String FACTORY_TWO_SLOTS = """
            nvs,      data, nvs,     0x9000,  0x4000,
            otadata,  data, ota,     0xd000,  0x2000,
            phy_init, data, phy,     0xf000,  0x1000,
            factory,  app,  factory, 0x10000, 256K,
            ota_0,    app,  ota_0,   0x50000, 256K,
            ota_1,    app,  ota_1,   0x90000, 256K,
            """;

    /** Four OTA slots of 192 KiB, no factory app, in 1 MiB of flash. */
    public static final String FOUR_SLOTS = """
            nvs,      data, nvs,     0x9000,  0x4000,
            otadata,  data, ota,     0xd000,  0x2000,
            ota_0,    app,  ota_0,   0x10000, 192K,
            ota_1,    app,  ota_1,   0x40000, 192K,
            ota_2,    app,  ota_2,   0x70000, 192K,
            ota_3,    app,  ota_3,   0xa0000, 192K,
            """;

    /**
     * {@link #FACTORY_TWO_SLOTS} with entries for the primary bootloader (0x0 on the ESP32-C3 of these devices) and
     * the partition table, as ESP-IDF's {@code partitions_ota} example has them to update both.
     */
    public static final String WITH_BOOTLOADER_ENTRIES = """
            PrimaryBTLDR,    bootloader,      primary, N/A, N/A,
            PrimaryPrtTable, partition_table, primary, N/A, N/A,
            """ + FACTORY_TWO_SLOTS;

    /** A factory app and one OTA slot of 512 KiB, offsets left to the CSV rules (ota_0 at 0x90000); for 2 MB. */
    public static final String FACTORY_ONE_512K_SLOT = """
            nvs,      data, nvs,     ,        0x4000,
            otadata,  data, ota,     ,        0x2000,
            phy_init, data, phy,     ,        0x1000,
            factory,  app,  factory, ,        512K,
            ota_0,    app,  ota_0,   ,        512K,
            """;

    /** {@link #FACTORY_ONE_512K_SLOT} with a second OTA slot of 512 KiB (ota_1 at 0x110000). */
    public static final String FACTORY_TWO_512K_SLOTS = FACTORY_ONE_512K_SLOT + """
            ota_1,    app,  ota_1,   ,        512K,
            """;

    public static final long FLASH_SIZE = 1024 * 1024;

    private TestDevices() {
    }

    /** The table of {@code csv} for these ESP32-C3 devices: table at 0x8000, bootloader entries at 0x0. */
    public static PartitionTable table(String csv) {
        return PartitionCsv.parse(csv, PartitionCsv.Options.defaults().withPrimaryBootloaderOffset(
                Chip.ESP32_C3.bootloaderOffset()));
    }

    /** A blank in-memory flash with {@code csv}'s table and {@code app} (may be null) as the factory/first app. */
    public static NorFlash flash(String csv, byte[] app) {
        return flash(table(csv), app);
    }

    /** A blank in-memory flash with this table at 0x8000 and {@code app} (may be null) as the factory/first app. */
    public static NorFlash flash(PartitionTable table, byte[] app) {
        return flash(table, app, FlashStorage.inMemory(FLASH_SIZE));
    }

    /** As {@link #flash(PartitionTable, byte[])}, on {@code storage} (of {@link #FLASH_SIZE} bytes). */
    public static NorFlash flash(PartitionTable table, byte[] app, FlashStorage storage) {
        NorFlash flash = NorFlash.create(storage, FlashConfig.defaults().timing(FlashTiming.instant()));
        FlashProvisioning.provision(flash, table, 0x8000, app);
        return flash;
    }

    /** As {@link #flash(String, byte[])}, with {@code bootloader} at the chip's primary bootloader offset. */
    public static NorFlash flash(String csv, byte[] bootloader, byte[] app) {
        NorFlash flash = flash(csv, app);
        flash.program(Chip.ESP32_C3.bootloaderOffset(), bootloader);
        return flash;
    }

    /** A copy of {@code flash}'s contents on a new chip: the same device state, for another run of a scenario. */
    public static NorFlash copy(NorFlash flash) {
        NorFlash copy = NorFlash.create(FlashStorage.inMemory(flash.size()), flash.config());
        copy.program(0, flash.read(0, (int) flash.size()));
        return copy;
    }

    public static Device device(NorFlash flash, boolean rollback) {
        return Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3).withRollback(rollback));
    }

    public static byte[] app(String version) {
        return TestImages.builder(Chip.ESP32_C3, version, 1000).build();
    }
}
