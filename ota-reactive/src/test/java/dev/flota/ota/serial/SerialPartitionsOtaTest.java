package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ESP-IDF's {@code partitions_ota} through the serial target: a new bootloader and a new partition table staged in
 * ota_1, verified, copied to their final place over the loader; the chip's ROM then loads the new bootloader, or its
 * bootloader reads the new table.
 */
class SerialPartitionsOtaTest {

    private static final byte[] OLD_BOOTLOADER = TestImages.bootloader(Chip.ESP32_C3, 1, 6000);
    private static final byte[] NEW_BOOTLOADER = TestImages.bootloader(Chip.ESP32_C3, 2, 6000);
    private static final PartitionTable NEW_TABLE = TestDevices.table(TestDevices.WITH_BOOTLOADER_ENTRIES
            + "storage,  data, undefined, 0xd0000, 0x30000,\n");

    @TempDir
    static Path dir;
    private static RunningImageServer server;

    @BeforeAll
    static void serve() throws IOException {
        Files.write(dir.resolve("bootloader.bin"), NEW_BOOTLOADER);
        Files.write(dir.resolve("partition-table.bin"), NEW_TABLE.encode(true));
        server = ImageServer.create().directory(dir).host("127.0.0.1").port(0).bindNow();
    }

    @AfterAll
    static void stop() {
        if (server != null) {
            server.close();
        }
    }

    private static Device device() {
        NorFlash flash = TestDevices.flash(TestDevices.WITH_BOOTLOADER_ENTRIES, OLD_BOOTLOADER, TestDevices.app("1.0"));
        return Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3).withBootloaderInFlash(true));
    }

    private static List<OtaEvent> update(Device device, String file, String finalLabel) {
        try (SerialTarget target = SerialTargetTest.connector(LoaderDevice.of(device), l -> l)
                .stub(SerialTargetTest.SYNTHETIC_STUB).connect()) {
            return HttpsOta.create().url(server.url(file)).allowHttp(true).partitions("ota_1", finalLabel, true)
                    .update(target).collectList().block(Duration.ofSeconds(60));
        }
    }

    @Test
    void aNewBootloaderIsStagedVerifiedCopiedAndLoadedByTheRom() {
        Device device = device();
        List<OtaEvent> events = update(device, "bootloader.bin", "PrimaryBTLDR");
        assertThat(events).noneMatch(e -> e instanceof OtaEvent.BootPartitionUpdated)
                .last().isInstanceOf(OtaEvent.Finished.class);
        assertThat(device.flash().read(0, NEW_BOOTLOADER.length)).isEqualTo(NEW_BOOTLOADER);
        BootResult boot = device.reboot();
        assertThat(boot.skipped()).as("the ROM loaded the new bootloader").isEmpty();
        assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("1.0");
        try (SerialTarget target = SerialTargetTest.connector(LoaderDevice.of(device), l -> l).connect()) {
            assertThat(target.bootloaderDescription().orElseThrow().version()).isEqualTo(2);
        }
    }

    @Test
    void aNewPartitionTableIsStagedVerifiedCopiedAndRead() {
        Device device = device();
        update(device, "partition-table.bin", "PrimaryPrtTable");
        device.reboot();
        assertThat(device.partitionTable().partitions()).isEqualTo(NEW_TABLE.partitions());
        assertThat(device.runningApp().orElseThrow().version()).isEqualTo("1.0");
    }
}
