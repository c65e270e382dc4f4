package dev.flota.bench.fleet;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashProvisioning;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.CompactStorage;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.nor.SectorPool;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.SyntheticApp;
import java.util.List;
import java.util.function.Supplier;

/**
 * Simulated devices and firmware images for the bench scenarios and the demo: one partition layout and one device
 * (ESP32-C3, rollback enabled, instant or datasheet flash timing), so every scenario measures the same device. Fleets
 * are copies of a template in the compact flash backend and share its unchanged sectors.
 */
public final class BenchFleet {

    private static final long FACTORY_SIZE = 0x40000;
    /** ESP-IDF refuses segments of 16 MiB or more; larger bench images get several. */
    private static final int MAX_SEGMENT = 8 << 20;
    private static final FlashConfig INSTANT = FlashConfig.defaults().timing(FlashTiming.instant());
    private static final FlashConfig TIMED = FlashConfig.defaults().timing(FlashTiming.typical());
    private static final DeviceProperties PROPERTIES = DeviceProperties.of(Chip.ESP32_C3).withRollback(true);

    private BenchFleet() {
    }

    /** A real ESP32-C3 app image of about {@code size} bytes (at least a few KiB), code in segments below 16 MiB. */
    public static byte[] app(String version, long size) {
        return SyntheticApp.of(version).project("flota-bench").maxSegment(MAX_SEGMENT).sized(size);
    }

    /**
     * A template flash holding a factory app v1.0.0 and two OTA slots large enough for {@code imageSize}, in a
     * compact backend: every device made from it with {@link CompactStorage#copy()} shares its sectors.
     */
    public static CompactStorage template(long imageSize, SectorPool pool) {
        return template(flashSize(imageSize), table(imageSize), factoryApp(), pool);
    }

    /**
     * A template flash of {@code flashSize} bytes holding {@code table} and {@code factoryApp}, in a compact backend:
     * every device made from it with {@link #device} shares its sectors.
     */
    public static CompactStorage template(long flashSize, PartitionTable table, byte[] factoryApp, SectorPool pool) {
        CompactStorage template = new CompactStorage(flashSize, pool);
        provision(template, table, factoryApp);
        return template;
    }

    /** One device with its own in-memory flash, laid out as {@link #template}: what a single-device user runs. */
    public static Device memoryDevice(long imageSize) {
        return memoryDevice(imageSize, false);
    }

    /**
     * Devices like {@link #memoryDevice(long)}'s, one after the other on one chip in memory: each starts from the same
     * provisioned contents, copied back in, and is valid until the next one is made. A bench that updates a fresh
     * device per run then allocates no chip per run (64 MiB for a 16 MiB image, an allocation that starts a garbage
     * collection cycle running through the next measured update).
     */
    public static Supplier<Device> memoryDevices(long imageSize) {
        FlashStorage storage = FlashStorage.inMemory(flashSize(imageSize));
        provision(storage, table(imageSize), factoryApp());
        byte[] provisioned = new byte[Math.toIntExact(storage.size())];
        storage.read(0, provisioned, 0, provisioned.length);
        return () -> {
            storage.write(0, provisioned, 0, provisioned.length);
            return Device.poweredOn(NorFlash.create(storage, config(false)), PROPERTIES);
        };
    }

    /** {@link #memoryDevice(long)}, its flash taking datasheet time when {@code timingModel} (the serial bench). */
    public static Device memoryDevice(long imageSize, boolean timingModel) {
        FlashStorage storage = FlashStorage.inMemory(flashSize(imageSize));
        provision(storage, table(imageSize), factoryApp());
        return Device.poweredOn(NorFlash.create(storage, config(timingModel)), PROPERTIES);
    }

    /** A bench app of about {@code size} bytes that deflates like real firmware (about 60%), for compressed links. */
    public static byte[] compressibleApp(String version, long size) {
        return SyntheticApp.of(version).project("flota-bench").maxSegment(MAX_SEGMENT).compressible().sized(size);
    }

    /**
     * The partition layout of the benches and the demo: nvs, otadata, a factory app at 0x10000 and the two OTA slots
     * right after it.
     */
    public static PartitionTable table(long factorySize, long slot0Size, long slot1Size) {
        long ota0 = 0x10000 + factorySize;
        return PartitionTable.of(List.of(
                Partition.of("nvs", Partition.TYPE_DATA, Partition.SUBTYPE_DATA_NVS, 0x9000, 0x4000),
                Partition.of("otadata", Partition.TYPE_DATA, Partition.SUBTYPE_DATA_OTA, 0xd000, 0x2000),
                Partition.of("factory", Partition.TYPE_APP, Partition.SUBTYPE_APP_FACTORY, 0x10000, factorySize),
                Partition.of("ota_0", Partition.TYPE_APP, Partition.SUBTYPE_APP_OTA_MIN, ota0, slot0Size),
                Partition.of("ota_1", Partition.TYPE_APP, Partition.SUBTYPE_APP_OTA_MIN + 1, ota0 + slot0Size,
                        slot1Size)));
    }

    private static PartitionTable table(long imageSize) {
        return table(FACTORY_SIZE, slotSize(imageSize), slotSize(imageSize));
    }

    private static byte[] factoryApp() {
        return app("1.0.0", 32 * 1024);
    }

    private static long slotSize(long imageSize) {
        return Math.max(0x40000, (imageSize + 0x20000 + 0xFFFF) / 0x10000 * 0x10000);
    }

    private static long flashSize(long imageSize) {
        return Long.highestOneBit(0x10000 + FACTORY_SIZE + 2 * slotSize(imageSize) - 1) << 1;
    }

    private static void provision(FlashStorage storage, PartitionTable table, byte[] factoryApp) {
        FlashProvisioning.provision(NorFlash.create(storage, config(false)), table, 0x8000, factoryApp);
    }

    /** Flash operations instantly, or taking their datasheet time. */
    private static FlashConfig config(boolean timingModel) {
        return timingModel ? TIMED : INSTANT;
    }

    /** A device (ESP32-C3, rollback enabled) powered on from a copy of {@code template}. */
    public static Device device(CompactStorage template, boolean timingModel) {
        return Device.poweredOn(NorFlash.create(template.copy(), config(timingModel)), PROPERTIES);
    }
}
