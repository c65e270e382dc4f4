package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.partition.Partition;
import dev.flota.ota.OtaException;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A serial update with the chip's power cut at every flash operation (the ROM path; every fifth with the stub, to keep
 * the run short), one cut per run: the update fails as a dropped link, and the chip boots the old app, or the new one
 * only where otadata was complete.
 */
class SerialPowerCutTest {

    @TempDir
    static Path dir;
    private static ChipImages images;

    @BeforeAll
    static void serve() {
        images = ChipImages.serve(dir);
    }

    @AfterAll
    static void stop() {
        if (images != null) {
            images.close();
        }
    }

    @Test
    void aPowerCutAtAnyFlashOperationOfARomUpdateLeavesABootableChip() {
        cutEverywhere(null, 1);
    }

    @Test
    void aPowerCutAtAnyFlashOperationOfAStubUpdateLeavesABootableChip() {
        cutEverywhere(SerialTargetTest.SYNTHETIC_STUB, 5);
    }

    /** Cuts after 0, stride, 2 stride ... mutating flash operations, until an update runs through uncut. */
    private static void cutEverywhere(StubImage stub, int stride) {
        int cuts = 0;
        int bootedNew = 0;
        for (int operations = 0; ; operations += stride) {
            Device device = SerialTargetTest.device(Chip.ESP32_C3);
            LoaderDevice chip = LoaderDevice.of(device);
            device.flash().faults().cutPowerAfterOperations(operations);
            boolean completed = false;
            SerialConnector connector = SerialTargetTest.connector(chip, l -> l)
                    .timeouts(LoaderTimeouts.esptool().withCommand(Duration.ofSeconds(2)));
            try (SerialTarget target = (stub == null ? connector : connector.stub(stub)).connect()) {
                images.small(Chip.ESP32_C3).update(target).blockLast(Duration.ofSeconds(60));
                completed = true;
            } catch (OtaException | LoaderException e) {
                assertThat(e.getMessage()).isNotEmpty();
            }
            if (completed && !device.flash().isPowerLost()) {
                break;
            }
            cuts++;
            device.flash().faults().clear();
            BootResult boot = device.reboot();
            String version = boot.appDescription().orElseThrow().version();
            assertThat(version).as("cut after %d operations", operations).isIn("1.0", "2.0");
            if (version.equals("2.0")) {
                bootedNew++;
                assertThat(device.runningPartition().map(Partition::label)).contains("ota_0");
            }
        }
        System.out.println("SerialPowerCutTest (" + (stub == null ? "ROM" : "stub") + "): " + cuts
                + " cut points covered (every " + stride + " operations), " + bootedNew
                + " of them booted the new app");
        assertThat(cuts).isGreaterThan(10);
    }
}
