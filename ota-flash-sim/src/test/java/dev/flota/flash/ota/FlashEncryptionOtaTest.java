package dev.flota.flash.ota;

import static dev.flota.flash.testing.FlashEncryptionDevices.erased;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.TestDevices;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@code esp_ota_*} on a device with flash encryption on (spec §1.8): the slot and otadata receive ciphertext, writes
 * of any size are buffered into 16-byte units, {@code esp_ota_end} verifies decrypted, and the 16-byte rules of
 * {@code esp_ota_write_with_offset}, {@code esp_ota_end} and {@code esp_ota_resume}.
 */
class FlashEncryptionOtaTest {

    private static final byte[] NEW = TestDevices.app("2.0");

    @Test
    void anUpdateInOddChunksLandsAsCiphertextAndBoots() {
        Device device = encrypted();
        OtaOperations ota = OtaOperations.on(device);
        Partition slot = ota.getNextUpdatePartition(null).orElseThrow();
        OtaHandle handle = ota.begin(slot, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        for (int at = 0; at < NEW.length; at += 1001) {
            handle.write(Arrays.copyOfRange(NEW, at, Math.min(NEW.length, at + 1001)));
            assertThat(handle.bytesWritten() % 16).as("wrote_size advances in 16s").isZero();
        }
        handle.end();
        ota.setBootPartition(slot);

        byte[] raw = device.flash().read(slot.offset(), NEW.length);
        assertThat(Arrays.copyOf(raw, 64)).isNotEqualTo(Arrays.copyOf(NEW, 64));
        assertThat(raw).isEqualTo(Arrays.copyOf(FlashEncryptionDevices.ciphertext(device, slot.offset(), NEW),
                NEW.length));
        Partition otadata = device.partitionTable().otadata().orElseThrow();
        byte[] rawEntry = device.flash().read(otadata.offset(), 32);
        OtaSelectEntry decrypted = OtaSelectEntry.parse(device.flashView().read(otadata, otadata.offset(), 32), 0);
        assertThat(decrypted.seq()).isEqualTo(1);
        assertThat(rawEntry).as("otadata written encrypted").isNotEqualTo(decrypted.encode());
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(device.lastBoot().bootedLabel()).isEqualTo(slot.label());
    }

    @Test
    void setBootToTheFactoryAppErasesOtadataWhichThenReadsAsGarbageAndTheFactoryAppBoots() {
        Device device = encrypted();
        Partition slot = OtaFlow.update(device, NEW);
        assertThat(device.reboot().bootedLabel()).isEqualTo(slot.label());
        OtaOperations ota = OtaOperations.on(device);
        ota.setBootPartition(device.partitionTable().factory().orElseThrow());
        Partition otadata = device.partitionTable().otadata().orElseThrow();
        assertThat(device.flash().read(otadata.offset(), 32)).as("erased raw").isEqualTo(erased(32));
        assertThat(device.flashView().read(otadata, otadata.offset(), 32)).as("read decrypted")
                .isNotEqualTo(erased(32));
        assertThat(ota.getBootPartition().orElseThrow().label()).isEqualTo("factory");
        assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
    }

    @Test
    void writeWithOffsetTakesOnly16ByteMultiples() {
        Device device = encrypted();
        OtaOperations ota = OtaOperations.on(device);
        Partition slot = ota.getNextUpdatePartition(null).orElseThrow();
        OtaHandle handle = ota.begin(slot, OtaOperations.OTA_SIZE_UNKNOWN);
        assertThatThrownBy(() -> handle.writeWithOffset(new byte[15], 0))
                .isInstanceOfSatisfying(OtaException.class, e -> {
                    assertThat(e.error()).isEqualTo(EspError.ESP_ERR_INVALID_ARG);
                    assertThat(e.getMessage()).contains("16byte aligned");
                });
        assertThatThrownBy(() -> handle.writeWithOffset(new byte[16], 8))
                .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.error())
                        .isEqualTo(EspError.ESP_ERR_INVALID_ARG));
        handle.writeWithOffset(Arrays.copyOfRange(NEW, 32, 64), 32);
        handle.writeWithOffset(Arrays.copyOf(NEW, 32), 0);
        assertThat(device.flashView().read(slot, slot.offset(), 64)).isEqualTo(Arrays.copyOf(NEW, 64));
        assertThat(device.flash().read(slot.offset(), 64)).isNotEqualTo(Arrays.copyOf(NEW, 64));
    }

    @Test
    void anImageUnder16BytesNeverReachesFlashAndEndRefusesIt() {
        Device device = encrypted();
        OtaOperations ota = OtaOperations.on(device);
        Partition slot = ota.getNextUpdatePartition(null).orElseThrow();
        OtaHandle handle = ota.begin(slot, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.write(Arrays.copyOf(NEW, 10));
        assertThat(handle.bytesWritten()).isZero();
        assertThat(device.flash().read(slot.offset(), 16)).isEqualTo(erased(16));
        assertThatThrownBy(handle::end).isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.error())
                .isEqualTo(EspError.ESP_ERR_INVALID_ARG));
    }

    @Test
    void theMagicByteIsCheckedOnTheFirstChunkOnlyEvenWhenItIsBuffered() {
        Device device = encrypted();
        OtaOperations ota = OtaOperations.on(device);
        Partition slot = ota.getNextUpdatePartition(null).orElseThrow();
        OtaHandle handle = ota.begin(slot, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.write(Arrays.copyOf(NEW, 3));
        handle.write(Arrays.copyOfRange(NEW, 3, NEW.length));
        handle.end();
        ota.setBootPartition(slot);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void resumeOffsetsMustBe16Aligned() {
        Device device = encrypted();
        OtaOperations ota = OtaOperations.on(device);
        Partition slot = ota.getNextUpdatePartition(null).orElseThrow();
        assertThatThrownBy(() -> ota.resume(slot, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES, 4100))
                .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.error())
                        .isEqualTo(EspError.ESP_ERR_INVALID_ARG));
        OtaHandle first = ota.begin(slot, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        first.write(Arrays.copyOf(NEW, 8192));
        first.abort();
        OtaHandle resumed = ota.resume(slot, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES, 8192);
        resumed.write(Arrays.copyOfRange(NEW, 8192, NEW.length));
        resumed.end();
        ota.setBootPartition(slot);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    private static Device encrypted() {
        return FlashEncryptionDevices.esp32c3(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")));
    }
}
