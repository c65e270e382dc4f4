package dev.flota.flash.encryption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.TestDevices;
import java.util.List;
import org.junit.jupiter.api.Test;

class EncryptedRegionsTest {

    /** The layout of the shared vector {@code pt_flags_encrypted_readonly}, plus an nvs partition flagged
     * encrypted, tee_ota and an unflagged nvs_keys. */
    private static final PartitionTable FLAGS = PartitionTable.of(List.of(
            Partition.of("nvs", 1, 0x02, 0x9000, 0x6000),
            new Partition("nvs_key", 1, 0x04, 0xf000, 0x1000, true, false),
            Partition.of("otadata", 1, 0x00, 0x10000, 0x2000),
            Partition.of("phy_init", 1, 0x01, 0x12000, 0x1000),
            Partition.of("ota_0", 0, 0x10, 0x20000, 0x180000),
            new Partition("ota_1", 0, 0x11, 0x1a0000, 0x180000, true, false),
            new Partition("fctry", 1, 0x02, 0x320000, 0x3000, false, true),
            new Partition("certs", 1, 0x81, 0x323000, 0x10000, true, true),
            Partition.of("coredump", 1, 0x03, 0x333000, 0x10000),
            Partition.of("custom", 0x40, 0x01, 0x343000, 0x1000),
            Partition.of("tee_ota", 1, 0x90, 0x344000, 0x2000),
            new Partition("nvs_enc", 1, 0x02, 0x346000, 0x3000, true, false),
            Partition.of("keys2", 1, 0x04, 0x349000, 0x1000)));

    @Test
    void holdsWhatIsPartitionEncryptedSaysInTableOrder() {
        EncryptedRegions regions = EncryptedRegions.of(Chip.ESP32_S2, FLAGS);
        assertThat(regions.regions()).containsExactly(
                new EncryptedRegion("bootloader", 0x1000, 0x7000),
                new EncryptedRegion("partition_table", 0x8000, 0x1000),
                new EncryptedRegion("nvs_key", 0xf000, 0x1000),
                new EncryptedRegion("otadata", 0x10000, 0x2000),
                new EncryptedRegion("ota_0", 0x20000, 0x180000),
                new EncryptedRegion("ota_1", 0x1a0000, 0x180000),
                new EncryptedRegion("certs", 0x323000, 0x10000),
                new EncryptedRegion("tee_ota", 0x344000, 0x2000),
                new EncryptedRegion("nvs_enc", 0x346000, 0x3000),
                new EncryptedRegion("keys2", 0x349000, 0x1000));
        assertThat(regions.isEncrypted(0x9000)).as("nvs").isFalse();
        assertThat(regions.isEncrypted(0x12000)).as("phy").isFalse();
        assertThat(regions.isEncrypted(0x320000)).as("readonly only").isFalse();
        assertThat(regions.isEncrypted(0x8fff)).isTrue();
        assertThat(regions.regionAt(0x20010)).map(EncryptedRegion::name).contains("ota_0");
        assertThat(regions.overlaps(0x11000, 0x2000)).isTrue();
        assertThat(regions.overlaps(0x12000, 0x1000)).isFalse();
    }

    @Test
    void theBootloaderRegionStartsAtTheChipsOffsetAndPrimaryEntriesAreNotRepeated() {
        PartitionTable table = TestDevices.table(TestDevices.WITH_BOOTLOADER_ENTRIES);
        EncryptedRegions regions = EncryptedRegions.of(Chip.ESP32_C3, table);
        assertThat(regions.regions().get(0)).isEqualTo(new EncryptedRegion("bootloader", 0x0, 0x8000));
        assertThat(regions.regions()).extracting(EncryptedRegion::name)
                .containsExactly("bootloader", "partition_table", "otadata", "factory", "ota_0", "ota_1");
    }
}
