package dev.flota.flash.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.partition.PartitionTable.ParseReport.Md5Status;
import dev.flota.flash.partition.PartitionTableException.Reason;
import dev.flota.flash.testing.Manifest;
import dev.flota.flash.testing.VectorFiles;
import dev.flota.flash.testing.Vectors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of MANIFEST.md under {@code partition_tables/}: CSVs convert byte-for-byte to the binary
 * {@code gen_esp32part.py} wrote (with the flags the manifest lists), binaries parse to the listed entries, corrupt
 * ones give the typed error. A row without an expectation here fails, so no vector is silently left out.
 */
class PartitionTableVectorsTest {

    private static final int APP = Partition.TYPE_APP;
    private static final int DATA = Partition.TYPE_DATA;
    private static final long M = 0x100000;

    private static final List<Partition> FACTORY_OTA2 = List.of(
            Partition.of("nvs", DATA, 0x02, 0x9000, 0x4000),
            Partition.of("otadata", DATA, 0x00, 0xd000, 0x2000),
            Partition.of("phy_init", DATA, 0x01, 0xf000, 0x1000),
            Partition.of("factory", APP, 0x00, 0x10000, M),
            Partition.of("ota_0", APP, 0x10, 0x110000, M),
            Partition.of("ota_1", APP, 0x11, 0x210000, M));

    private static final List<Partition> OTA4 = List.of(
            Partition.of("nvs", DATA, 0x02, 0x9000, 0x4000),
            Partition.of("otadata", DATA, 0x00, 0xd000, 0x2000),
            Partition.of("phy_init", DATA, 0x01, 0xf000, 0x1000),
            Partition.of("ota_0", APP, 0x10, 0x10000, 0x1C0000),
            Partition.of("ota_1", APP, 0x11, 0x1d0000, 0x1C0000),
            Partition.of("ota_2", APP, 0x12, 0x390000, 0x1C0000),
            Partition.of("ota_3", APP, 0x13, 0x550000, 0x1C0000),
            Partition.of("storage", DATA, 0x82, 0x710000, 0xF0000));

    private static final List<Partition> FLAGS = List.of(
            Partition.of("nvs", DATA, 0x02, 0x9000, 0x6000),
            new Partition("nvs_key", DATA, 0x04, 0xf000, 0x1000, true, false),
            Partition.of("otadata", DATA, 0x00, 0x10000, 0x2000),
            Partition.of("phy_init", DATA, 0x01, 0x12000, 0x1000),
            Partition.of("ota_0", APP, 0x10, 0x20000, 0x180000),
            new Partition("ota_1", APP, 0x11, 0x1a0000, 0x180000, true, false),
            new Partition("fctry", DATA, 0x02, 0x320000, 0x3000, false, true),
            new Partition("certs", DATA, 0x81, 0x323000, 0x10000, true, true),
            Partition.of("coredump", DATA, 0x03, 0x333000, 0x10000),
            Partition.of("custom", 0x40, 0x01, 0x343000, 0x1000));

    private static final List<Partition> BOOTLOADER_ENTRIES = List.of(
            Partition.of("bootloader", 0x02, 0x00, 0x1000, 0x7000),
            Partition.of("partition_table", 0x03, 0x00, 0x8000, 0x1000),
            Partition.of("nvs", DATA, 0x02, 0x9000, 0x6000),
            Partition.of("otadata", DATA, 0x00, 0xf000, 0x2000),
            Partition.of("phy_init", DATA, 0x01, 0x11000, 0x1000),
            Partition.of("ota_0", APP, 0x10, 0x20000, M),
            Partition.of("ota_1", APP, 0x11, 0x120000, M),
            Partition.of("bootloader_ota", 0x02, 0x01, 0x220000, 0x7000),
            Partition.of("pt_ota", 0x03, 0x01, 0x227000, 0x1000));

    private static final List<Partition> REAL_C3 = List.of(
            Partition.of("nvs", DATA, 0x02, 0x9000, 0x6000),
            Partition.of("phy_init", DATA, 0x01, 0xf000, 0x1000),
            Partition.of("factory", APP, 0x00, 0x10000, M));

    private static final PartitionCsv.Options FOUR_MB = PartitionCsv.Options.defaults().withFlashSize(4 * M);

    /** File name (relative to partition_tables/) → the check of its bytes. */
    private static final Map<String, Consumer<byte[]>> EXPECTED = Map.ofEntries(
            Map.entry("pt_factory_ota2_4MB.csv", csv -> {
                assertConverts(csv, FOUR_MB, "pt_factory_ota2_4MB.bin");
                assertConverts(csv, FOUR_MB.withMd5(false), "pt_factory_ota2_4MB.nomd5.bin");
            }),
            Map.entry("pt_factory_ota2_4MB.bin", bin -> {
                assertEntries(bin, FACTORY_OTA2, Md5Status.VALID);
                assertThat(PartitionTable.parse(bin).otaSlotCount()).isEqualTo(2);
                assertThat(PartitionTable.parse(bin).factory()).isPresent();
                assertThat(bin[0xC0]).isEqualTo((byte) 0xEB);
                assertThat(java.util.HexFormat.of().formatHex(bin, 0xC0 + 16, 0xE0))
                        .isEqualTo("bf25822c0fa6d8641bd930251e06b4c4");
            }),
            Map.entry("pt_factory_ota2_4MB.nomd5.bin", bin -> {
                assertEntries(bin, FACTORY_OTA2, Md5Status.ABSENT);
                assertThat(PartitionTable.parse(bin).partitions())
                        .isEqualTo(PartitionTable.parse(Vectors.bytes("partition_tables/pt_factory_ota2_4MB.bin"))
                                .partitions());
            }),
            Map.entry("pt_ota4_8MB.csv", csv -> assertConverts(csv,
                    PartitionCsv.Options.defaults().withFlashSize(8 * M), "pt_ota4_8MB.bin")),
            Map.entry("pt_ota4_8MB.bin", bin -> {
                assertEntries(bin, OTA4, Md5Status.VALID);
                assertThat(PartitionTable.parse(bin).otaSlotCount()).isEqualTo(4);
                assertThat(PartitionTable.parse(bin).factory()).isEmpty();
            }),
            Map.entry("pt_flags_encrypted_readonly.csv", csv -> assertConverts(csv, FOUR_MB,
                    "pt_flags_encrypted_readonly.bin")),
            Map.entry("pt_flags_encrypted_readonly.bin", bin -> assertEntries(bin, FLAGS, Md5Status.VALID)),
            Map.entry("pt_with_bootloader_entries.csv", csv -> assertConverts(csv,
                    FOUR_MB.withPrimaryBootloaderOffset(0x1000), "pt_with_bootloader_entries.bin")),
            Map.entry("pt_with_bootloader_entries.bin", bin -> assertEntries(bin, BOOTLOADER_ENTRIES,
                    Md5Status.VALID)),
            Map.entry("real_esp32c3_hello_world_partition-table.bin", bin -> {
                assertEntries(bin, REAL_C3, Md5Status.VALID);
                assertThat(PartitionTable.parse(bin).otadata()).isEmpty();
            }),
            Map.entry("corrupt/pt_factory_ota2_4MB.bad_md5.bin", bin -> assertMd5Mismatch(bin)),
            Map.entry("corrupt/pt_factory_ota2_4MB.bad_md5_digest.bin", bin -> assertMd5Mismatch(bin)),
            Map.entry("corrupt/pt_factory_ota2_4MB.bad_entry_magic.bin", bin ->
                    assertThatThrownBy(() -> PartitionTable.parse(bin))
                            .isInstanceOfSatisfying(PartitionTableException.class,
                                    e -> assertThat(e.reason()).isEqualTo(Reason.BAD_MAGIC))
                            .hasMessageContaining("partition 2 invalid magic number")));

    static List<Manifest.Row> rows() {
        return Manifest.rowsUnder("partition_tables");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyManifestRowGivesTheExpectedResult(Manifest.Row row) {
        byte[] bytes = VectorFiles.checked(row);
        Consumer<byte[]> expected = VectorFiles.expectation(row, EXPECTED,
                Path.of("partition_tables").relativize(Path.of(row.file()))
                .toString().replace('\\', '/'));
        expected.accept(bytes);
    }

    private static void assertConverts(byte[] csv, PartitionCsv.Options options, String binary) {
        byte[] expected = Vectors.bytes("partition_tables/" + binary);
        assertThat(PartitionCsv.toBinary(csv, options)).as("CSV converted to %s", binary).isEqualTo(expected);
        PartitionTable fromCsv = PartitionTable.parseBinaryOrCsv(csv, options);
        assertThat(PartitionTable.parseBinaryOrCsv(expected).partitions()).isEqualTo(fromCsv.partitions());
    }

    private static void assertEntries(byte[] bin, List<Partition> expected, Md5Status md5) {
        PartitionTable.ParseReport report = PartitionTable.inspect(bin);
        assertThat(report.md5()).isEqualTo(md5);
        assertThat(report.table().partitions()).containsExactlyElementsOf(expected);
        assertThat(report.table().md5Present()).isEqualTo(md5 != Md5Status.ABSENT);
        assertThat(PartitionTable.parseBinaryOrCsv(bin)).isEqualTo(report.table());
        assertThat(report.table().encode(md5 != Md5Status.ABSENT)).as("re-encoded").isEqualTo(bin);
        byte[] viaCsv = PartitionCsv.toBinary(PartitionCsv.format(report.table()),
                PartitionCsv.Options.defaults().withPrimaryBootloaderOffset(0x1000).withMd5(md5 != Md5Status.ABSENT));
        assertThat(viaCsv).as("binary → CSV → binary").isEqualTo(bin);
    }

    private static void assertMd5Mismatch(byte[] bin) {
        assertThat(PartitionTable.inspect(bin).md5()).isEqualTo(Md5Status.MISMATCH);
        assertThatThrownBy(() -> PartitionTable.parse(bin)).isInstanceOfSatisfying(PartitionTableException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.MD5_MISMATCH));
    }
}
