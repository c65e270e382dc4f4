package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.ota.OtaException;
import dev.flota.ota.serial.link.SerialLink;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A serial update with the chip's power cut at every flash operation (the ROM path; every fifth with the stub, to keep
 * the run short), one cut per run: the update fails as a dropped link, and the chip boots the old app, or the new one
 * only where otadata was complete. An uncut reference run tells at which flash operation the otadata entry is
 * written: the operations the chip had done when the host sent the FLASH_BEGIN at otadata (the erase of the entry's
 * sector comes next, then the page program holding the entry). Every cut before that page program must boot the old
 * app, every cut after it the new one; a cut during it leaves a random prefix of the page, so either.
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
        long entryProgram = entryProgramOperation(stub);
        int cuts = 0;
        int bootedNew = 0;
        for (int operations = 0; ; operations += stride) {
            Device device = SerialTargetTest.device(Chip.ESP32_C3);
            device.flash().faults().cutPowerAfterOperations(operations);
            boolean completed = update(device, stub, l -> l);
            if (completed && !device.flash().isPowerLost()) {
                break;
            }
            cuts++;
            device.flash().faults().clear();
            BootResult boot = device.reboot();
            String version = boot.appDescription().orElseThrow().version();
            String cut = String.format("cut during operation %d (the otadata entry is programmed by operation %d)",
                    operations, entryProgram);
            if (operations < entryProgram) {
                assertThat(version).as(cut).isEqualTo("1.0");
            } else if (operations > entryProgram) {
                assertThat(version).as(cut).isEqualTo("2.0");
            } else {
                assertThat(version).as(cut).isIn("1.0", "2.0");
            }
            if (version.equals("2.0")) {
                bootedNew++;
                assertThat(device.runningPartition().map(Partition::label)).contains("ota_0");
            }
        }
        System.out.println("SerialPowerCutTest (" + (stub == null ? "ROM" : "stub") + "): " + cuts
                + " cut points covered (every " + stride + " operations), " + bootedNew
                + " of them booted the new app; the otadata entry is programmed by operation " + entryProgram);
        assertThat(cuts).isGreaterThan(10);
    }

    /**
     * The reference run: faults armed but never firing, so every page program counts as one operation as in the cut
     * runs. The index (from 0) of the page program that writes the otadata entry: after the operations done when the
     * FLASH_BEGIN at otadata was sent, one erase of its sector.
     */
    private static long entryProgramOperation(StubImage stub) {
        Device device = SerialTargetTest.device(Chip.ESP32_C3);
        NorFlash flash = device.flash();
        flash.faults().cutPowerAfterOperations(Long.MAX_VALUE);
        long before = flash.modifications();
        long otadata = device.partitionTable().otadata().orElseThrow().offset();
        OtadataWatch watch = new OtadataWatch(otadata, flash);
        assertThat(update(device, stub, link -> watch.wrap(link))).as("the reference update").isTrue();
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        return watch.operationsBefore().orElseThrow() - before + 1;
    }

    private static boolean update(Device device, StubImage stub, UnaryOperator<SerialLink> wrap) {
        SerialConnector connector = SerialTargetTest.connector(LoaderDevice.of(device), wrap)
                .timeouts(LoaderTimeouts.esptool().withCommand(Duration.ofSeconds(2)));
        try (SerialTarget target = (stub == null ? connector : connector.stub(stub)).connect()) {
            images.small(Chip.ESP32_C3).update(target).blockLast(Duration.ofSeconds(60));
            return true;
        } catch (OtaException | LoaderException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return false;
        }
    }

    /** The chip's operation count when the host first sends FLASH_BEGIN at otadata (all before it was acked). */
    private static final class OtadataWatch {

        private final long otadata;
        private final NorFlash flash;
        private final SlipDecoder sent = new SlipDecoder();
        private OptionalLong operationsBefore = OptionalLong.empty();

        OtadataWatch(long otadata, NorFlash flash) {
            this.otadata = otadata;
            this.flash = flash;
        }

        OptionalLong operationsBefore() {
            return operationsBefore;
        }

        SerialLink wrap(SerialLink link) {
            return new ForwardingLink(link) {
                @Override
                public void write(byte[] bytes) throws IOException {
                    for (byte[] frame : sent.feed(bytes, 0, bytes.length)) {
                        observe(frame);
                    }
                    super.write(bytes);
                }
            };
        }

        private void observe(byte[] frame) {
            if (operationsBefore.isPresent() || frame.length < LoaderRequest.HEADER_LENGTH + 16
                    || (frame[1] & 0xFF) != LoaderOpcode.FLASH_BEGIN.code()) {
                return;
            }
            if ((LoaderRequest.parse(frame).word(3) & 0xFFFFFFFFL) == otadata) {
                operationsBefore = OptionalLong.of(flash.modifications());
            }
        }
    }
}
