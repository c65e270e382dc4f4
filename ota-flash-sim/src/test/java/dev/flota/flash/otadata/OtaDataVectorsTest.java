package dev.flota.flash.otadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.Manifest;
import dev.flota.flash.testing.VectorFiles;
import dev.flota.flash.testing.Vectors;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of MANIFEST.md under {@code otadata/}: the entries it lists and the partition the ESP-IDF bootloader
 * boots for T2F ({@code pt_factory_ota2_4MB.bin}) and T4 ({@code pt_ota4_8MB.bin}), with and without app rollback.
 * A row without an expectation here fails.
 */
class OtaDataVectorsTest {

    private static final long ERASED = 0xFFFFFFFFL;

    record E(long seq, OtaImgState state, boolean crcValid) {
    }

    /** Expected entries and boot partition (T2F, T4, T2F with rollback, T4 with rollback). */
    record Expectation(E e0, E e1, String t2f, String t4, String t2fRollback, String t4Rollback) {
    }

    private static final E BLANK = new E(ERASED, OtaImgState.UNDEFINED, false);

    private static final Map<String, Expectation> EXPECTED = Map.ofEntries(
            same("otadata_blank.bin", BLANK, BLANK, "factory", "ota_0"),
            same("otadata_both_aborted.bin", new E(3, OtaImgState.ABORTED, true),
                    new E(2, OtaImgState.ABORTED, true), "factory", "ota_0"),
            same("otadata_only_second_seq4.bin", BLANK, new E(4, OtaImgState.UNDEFINED, true), "ota_1", "ota_3"),
            same("otadata_otatool_switch_ota0.bin", new E(1, OtaImgState.UNDEFINED, true), BLANK, "ota_0", "ota_0"),
            same("otadata_otatool_switch_ota0_ota1.bin", new E(1, OtaImgState.UNDEFINED, true),
                    new E(2, OtaImgState.UNDEFINED, true), "ota_1", "ota_1"),
            same("otadata_otatool_switch_ota0_ota1_ota0.bin", new E(3, OtaImgState.UNDEFINED, true),
                    new E(2, OtaImgState.UNDEFINED, true), "ota_0", "ota_2"),
            same("otadata_seq3_badcrc_seq2.bin", new E(3, OtaImgState.UNDEFINED, false),
                    new E(2, OtaImgState.UNDEFINED, true), "ota_1", "ota_1"),
            same("otadata_seq3_invalid_seq2_valid.bin", new E(3, OtaImgState.INVALID, true),
                    new E(2, OtaImgState.VALID, true), "ota_1", "ota_1"),
            same("otadata_seq3_new_seq2_valid.bin", new E(3, OtaImgState.NEW, true),
                    new E(2, OtaImgState.VALID, true), "ota_0", "ota_2"),
            Map.entry("otadata_seq3_pendingverify_seq2_valid.bin", new Expectation(
                    new E(3, OtaImgState.PENDING_VERIFY, true), new E(2, OtaImgState.VALID, true),
                    "ota_0", "ota_2", "ota_1", "ota_1")),
            same("otadata_seq6_seq7.bin", new E(6, OtaImgState.VALID, true), new E(7, OtaImgState.VALID, true),
                    "ota_0", "ota_2"),
            same("otadata_seq_fffffffe_seq1.bin", new E(0xFFFFFFFEL, OtaImgState.UNDEFINED, true),
                    new E(1, OtaImgState.UNDEFINED, true), "ota_1", "ota_1"));

    private static Map.Entry<String, Expectation> same(String file, E e0, E e1, String t2f, String t4) {
        return Map.entry(file, new Expectation(e0, e1, t2f, t4, t2f, t4));
    }

    static List<Manifest.Row> rows() {
        return Manifest.rowsUnder("otadata");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyManifestRowBootsTheExpectedPartition(Manifest.Row row) {
        byte[] bytes = VectorFiles.checked(row);
        Expectation expected = VectorFiles.expectation(row, EXPECTED,
                Path.of(row.file()).getFileName().toString());
        OtaData otadata = OtaData.parse(bytes);
        assertEntry(otadata.entry0(), expected.e0());
        assertEntry(otadata.entry1(), expected.e1());
        assertThat(otadata.encode()).as("re-encoded").isEqualTo(bytes);

        PartitionTable t2f = table("pt_factory_ota2_4MB.bin");
        PartitionTable t4 = table("pt_ota4_8MB.bin");
        assertThat(boot(otadata, t2f, false)).as("T2F").isEqualTo(expected.t2f());
        assertThat(boot(otadata, t4, false)).as("T4").isEqualTo(expected.t4());
        assertThat(boot(otadata, t2f, true)).as("T2F, rollback").isEqualTo(expected.t2fRollback());
        assertThat(boot(otadata, t4, true)).as("T4, rollback").isEqualTo(expected.t4Rollback());
    }

    @Test
    void writerReproducesOtatoolSwitchSequence() {
        Vectors.root();
        int slots = table("pt_factory_ota2_4MB.bin").otaSlotCount();
        OtaData ota0 = OtaData.blank().withBootSlot(0, slots, false);
        assertThat(ota0.encode()).isEqualTo(Vectors.bytes("otadata/otadata_otatool_switch_ota0.bin"));
        OtaData ota1 = ota0.withBootSlot(1, slots, false);
        assertThat(ota1.encode()).isEqualTo(Vectors.bytes("otadata/otadata_otatool_switch_ota0_ota1.bin"));
        OtaData back = ota1.withBootSlot(0, slots, false);
        assertThat(back.encode()).isEqualTo(Vectors.bytes("otadata/otadata_otatool_switch_ota0_ota1_ota0.bin"));
    }

    private static String boot(OtaData otadata, PartitionTable table, boolean rollback) {
        return otadata.select(table, rollback).partition(table).map(Partition::label).orElse("(none)");
    }

    private static PartitionTable table(String file) {
        return PartitionTable.parse(Vectors.bytes("partition_tables/" + file));
    }

    private static void assertEntry(OtaSelectEntry actual, E expected) {
        assertThat(actual.seq()).isEqualTo(expected.seq());
        assertThat(actual.knownState()).contains(expected.state());
        assertThat(actual.crcValid()).isEqualTo(expected.crcValid());
    }
}
