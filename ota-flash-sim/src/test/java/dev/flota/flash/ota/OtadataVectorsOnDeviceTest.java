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
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.Vectors;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The otadata vectors on a whole simulated device: setBootPartition writes what Espressif's otatool.py wrote, and a
 * device whose otadata holds each vector boots the partition MANIFEST.md names, with and without rollback.
 */
class OtadataVectorsOnDeviceTest {

    private static final String T2F = "partition_tables/pt_factory_ota2_4MB.bin";
    private static final String T4 = "partition_tables/pt_ota4_8MB.bin";

    @Test
    void setBootPartitionWritesWhatOtatoolWrote() {
        Device device = deviceWithAllApps(T2F, 4 << 20, false);
        OtaOperations ota = OtaOperations.on(device);
        Partition otadata = device.partitionTable().otadata().orElseThrow();
        List<String[]> steps = List.of(new String[] {"ota_0", "otadata/otadata_otatool_switch_ota0.bin"},
                new String[] {"ota_1", "otadata/otadata_otatool_switch_ota0_ota1.bin"},
                new String[] {"ota_0", "otadata/otadata_otatool_switch_ota0_ota1_ota0.bin"});
        assertThat(device.flash().read(otadata.offset(), OtaData.SIZE))
                .isEqualTo(Vectors.bytes("otadata/otadata_blank.bin"));
        for (String[] step : steps) {
            ota.setBootPartition(device.partitionTable().find(step[0]).orElseThrow());
            assertThat(device.flash().read(otadata.offset(), OtaData.SIZE)).as("after switching to %s", step[0])
                    .isEqualTo(Vectors.bytes(step[1]));
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({
            "otadata_blank.bin, factory, factory, ota_0, ota_0",
            "otadata_both_aborted.bin, factory, factory, ota_0, ota_0",
            "otadata_only_second_seq4.bin, ota_1, ota_1, ota_3, ota_3",
            "otadata_otatool_switch_ota0.bin, ota_0, ota_0, ota_0, ota_0",
            "otadata_otatool_switch_ota0_ota1.bin, ota_1, ota_1, ota_1, ota_1",
            "otadata_otatool_switch_ota0_ota1_ota0.bin, ota_0, ota_0, ota_2, ota_2",
            "otadata_seq3_badcrc_seq2.bin, ota_1, ota_1, ota_1, ota_1",
            "otadata_seq3_invalid_seq2_valid.bin, ota_1, ota_1, ota_1, ota_1",
            "otadata_seq3_new_seq2_valid.bin, ota_0, ota_0, ota_2, ota_2",
            "otadata_seq3_pendingverify_seq2_valid.bin, ota_0, ota_1, ota_2, ota_1",
            "otadata_seq6_seq7.bin, ota_0, ota_0, ota_2, ota_2",
            "otadata_seq_fffffffe_seq1.bin, ota_1, ota_1, ota_1, ota_1"})
    void deviceBootsWhatTheManifestSays(String file, String t2f, String t2fRollback, String t4, String t4Rollback) {
        byte[] otadata = Vectors.bytes("otadata/" + file);
        assertThat(bootWith(T2F, 4 << 20, otadata, false)).as("T2F").isEqualTo(t2f);
        assertThat(bootWith(T2F, 4 << 20, otadata, true)).as("T2F, rollback").isEqualTo(t2fRollback);
        assertThat(bootWith(T4, 8 << 20, otadata, false)).as("T4").isEqualTo(t4);
        assertThat(bootWith(T4, 8 << 20, otadata, true)).as("T4, rollback").isEqualTo(t4Rollback);
    }

    private static String bootWith(String table, int flashSize, byte[] otadata, boolean rollback) {
        Device device = deviceWithAllApps(table, flashSize, rollback);
        Partition partition = device.partitionTable().otadata().orElseThrow();
        device.flash().eraseRange(partition.offset(), OtaData.SIZE);
        device.flash().program(partition.offset(), otadata);
        return device.reboot().bootedLabel();
    }

    /** A device with the vector table and a valid app in every app partition. */
    private static Device deviceWithAllApps(String tableVector, int flashSize, boolean rollback) {
        NorFlash flash = NorFlash.create(FlashStorage.inMemory(flashSize),
                FlashConfig.defaults().timing(FlashTiming.instant()));
        PartitionTable table = PartitionTable.parse(Vectors.bytes(tableVector));
        FlashProvisioning.provision(flash, table, 0x8000, null);
        for (Partition app : table.partitions()) {
            if (app.type() == Partition.TYPE_APP) {
                byte[] image = TestDevices.app(app.label());
                flash.eraseRange(app.offset(), 0x20000);
                flash.program(app.offset(), image);
            }
        }
        return Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3).withRollback(rollback));
    }
}
