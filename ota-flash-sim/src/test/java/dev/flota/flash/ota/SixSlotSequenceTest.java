package dev.flota.flash.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashProvisioning;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.otadata.EspCrc32;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.TestDevices;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * setBootPartition to ota_4, then ota_2, then ota_5 on a six-slot table from blank otadata: the sequence numbers
 * (5 in entry 0, then 9 in entry 1, then 12 in entry 0) and bytes otatool.py's arithmetic gives, and the boot choices.
 */
class SixSlotSequenceTest {

    private static final String SIX_SLOTS = """
            otadata,  data, ota,   0x9000,  0x2000,
            ota_0,    app,  ota_0, 0x10000,  256K,
            ota_1,    app,  ota_1, 0x50000,  256K,
            ota_2,    app,  ota_2, 0x90000,  256K,
            ota_3,    app,  ota_3, 0xd0000,  256K,
            ota_4,    app,  ota_4, 0x110000, 256K,
            ota_5,    app,  ota_5, 0x150000, 256K,
            """;

    @ParameterizedTest
    @ValueSource(booleans = {false, true})
    void sequenceNumbersFollowTheSlots(boolean rollback) {
        NorFlash flash = NorFlash.create(FlashStorage.inMemory(2 * TestDevices.FLASH_SIZE),
                FlashConfig.defaults().timing(FlashTiming.instant()));
        FlashProvisioning.provision(flash, TestDevices.table(SIX_SLOTS), 0x8000, null);
        Device device = Device.of(flash, DeviceProperties.of(Chip.ESP32_C3).withRollback(rollback));
        device.reboot();
        for (Partition app : device.partitionTable().otaApps()) {
            flash.eraseRange(app.offset(), app.size());
            flash.program(app.offset(), TestDevices.app(app.label()));
        }
        flash.eraseRange(0x9000, 0x2000);
        device.reboot();
        flash.eraseRange(0x9000, 0x2000);
        OtaOperations ota = OtaOperations.on(device);
        long state = rollback ? 0 : 0xFFFFFFFFL;
        byte[] expected = new byte[OtaData.SIZE];
        Arrays.fill(expected, (byte) 0xFF);
        int[][] steps = {{4, 0, 5}, {2, 1, 9}, {5, 0, 12}};
        for (int[] step : steps) {
            ota.setBootPartition(device.partitionTable().otaApp(step[0]).orElseThrow());
            entry(expected, step[1], step[2], state);
            assertThat(flash.read(0x9000, OtaData.SIZE)).as("after ota_%d", step[0]).isEqualTo(expected);
            assertThat(ota.getBootPartition().orElseThrow().label()).isEqualTo("ota_" + step[0]);
        }
        assertThat(device.reboot().bootedLabel()).isEqualTo("ota_5");
    }

    /** An entry as otatool.py writes it: seq, label left 0xFF, state, CRC of the sequence number. */
    private static void entry(byte[] otadata, int index, long seq, long state) {
        ByteBuffer out = ByteBuffer.wrap(otadata, index * OtaData.SECTOR_SIZE, 32).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt((int) seq).position(out.position() + 20);
        out.putInt((int) state).putInt((int) EspCrc32.otaSeqCrc(seq));
    }
}
