package dev.flota.flash.ota;

import dev.flota.flash.EspError;
import static dev.flota.flash.testing.TestDevices.FACTORY_TWO_SLOTS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import java.util.Arrays;
import java.util.function.BiConsumer;
import org.junit.jupiter.api.Test;

/**
 * {@link OtaHandle#verifyWritten()}: esp_ota_end's check started while the update writes. The end then reads only the
 * tail, and gives the same verdict a full reading would: anything that changed the flash behind the read-back, or a
 * read fault, makes it read everything again.
 */
class ReadBackVerificationTest {

    private final Device device = TestDevices.device(TestDevices.flash(FACTORY_TWO_SLOTS, TestDevices.app("1.0")),
            false);
    private final OtaOperations ota = OtaOperations.on(device);
    private final Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
    private final byte[] image = TestImages.builder(Chip.ESP32_C3, "2.0", 120_000).build();

    @Test
    void endReadsOnlyWhatWasNotReadBackAndTheUpdateBoots() {
        OtaHandle handle = writeHalfAndReadBack();
        handle.write(Arrays.copyOfRange(image, image.length / 2, image.length));
        long before = device.flash().stats().bytesRead();
        handle.end();
        assertThat(device.flash().stats().bytesRead() - before).as("bytes read by esp_ota_end")
                .isLessThanOrEqualTo(image.length - image.length / 2 + 64 * 1024);
        ota.setBootPartition(ota0);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void aWriteBehindTheReadBackAfterTheLastWriteIsCaught() {
        assertRefused(true, (handle, at) -> device.flash().program(ota0.offset() + at, new byte[] {0}));
    }

    @Test
    void aWriteBetweenTheUpdatesOwnWritesIsCaught() {
        assertRefused(false, (handle, at) -> {
            device.flash().program(ota0.offset() + at, new byte[] {0});
            handle.verifyWritten();
        });
    }

    @Test
    void aBitThatReadsFlippedAfterTheReadBackIsCaught() {
        assertRefused(true, (handle, at) -> device.flash().faults().flipBitOnRead(ota0.offset() + at, 2));
    }

    /**
     * Writes half, reads it back, writes the rest; {@code meddle} acts on a nonzero byte already read back before or
     * after the last write.
     */
    private void assertRefused(boolean afterLastWrite, BiConsumer<OtaHandle, Integer> meddle) {
        OtaHandle handle = writeHalfAndReadBack();
        int at = image.length / 4;
        while (image[at] == 0) {
            at++;
        }
        if (!afterLastWrite) {
            meddle.accept(handle, at);
        }
        handle.write(Arrays.copyOfRange(image, image.length / 2, image.length));
        if (afterLastWrite) {
            meddle.accept(handle, at);
        }
        assertThatThrownBy(handle::end).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
        assertThat(ota.getBootPartition().orElseThrow().label()).isEqualTo("factory");
    }

    private OtaHandle writeHalfAndReadBack() {
        OtaHandle handle = ota.begin(ota0, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.write(Arrays.copyOf(image, image.length / 2));
        handle.verifyWritten();
        return handle;
    }
}
