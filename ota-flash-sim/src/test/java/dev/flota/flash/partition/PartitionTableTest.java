package dev.flota.flash.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import dev.flota.flash.partition.PartitionTable.ParseReport.Md5Status;
import dev.flota.flash.partition.PartitionTableException.Reason;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The binary table on tables the test builds itself: device parse rules, encoding, queries, hostile input. */
class PartitionTableTest {

    static final PartitionTable TABLE = PartitionTable.of(List.of(
            Partition.of("nvs", 1, 0x02, 0x9000, 0x4000),
            Partition.of("otadata", 1, 0x00, 0xd000, 0x2000),
            Partition.of("factory", 0, 0x00, 0x10000, 0x100000),
            Partition.of("ota_1", 0, 0x11, 0x210000, 0x100000),
            Partition.of("ota_0", 0, 0x10, 0x110000, 0x100000),
            Partition.of("test", 0, 0x20, 0x310000, 0x10000),
            new Partition("custom", 0x40, 0x07, 0x320000, 0x1000, true, true)));

    @Test
    void encodesExactlyTheTableAreaAndParsesBack() {
        byte[] withMd5 = TABLE.encode(true);
        assertThat(withMd5).hasSize(0xC00);
        assertThat(Arrays.copyOfRange(withMd5, 0, 2)).containsExactly(0xAA, 0x50);
        assertThat(withMd5[7 * 32] & 0xFF).isEqualTo(0xEB);
        assertThat(Arrays.copyOfRange(withMd5, 8 * 32, 0xC00)).containsOnly((byte) 0xFF);
        assertThat(PartitionTable.parse(withMd5)).isEqualTo(TABLE);

        byte[] plain = TABLE.encode(false);
        assertThat(Arrays.copyOfRange(plain, 7 * 32, 0xC00)).containsOnly((byte) 0xFF);
        PartitionTable.ParseReport report = PartitionTable.inspect(plain);
        assertThat(report.md5()).isEqualTo(Md5Status.ABSENT);
        assertThat(report.table().partitions()).isEqualTo(TABLE.partitions());
        assertThat(report.table().md5Present()).isFalse();
    }

    @Test
    void entryLayoutIsLittleEndian() {
        byte[] bin = PartitionTable.of(List.of(new Partition("ab", 0x40, 0x07, 0x12345000, 0x6000, true, true)))
                .encode(false);
        assertThat(Arrays.copyOfRange(bin, 0, 32)).containsExactly(0xAA, 0x50, 0x40, 0x07, 0x00, 0x50, 0x34, 0x12,
                0x00, 0x60, 0x00, 0x00, 'a', 'b', 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0, 0);
    }

    @Test
    void queriesFollowTheBootloader() {
        assertThat(TABLE.otaApps()).extracting(Partition::label).containsExactly("ota_0", "ota_1");
        assertThat(TABLE.otaSlotCount()).isEqualTo(2);
        assertThat(TABLE.otaApp(1)).map(Partition::label).contains("ota_1");
        assertThat(TABLE.otaApp(2)).isEmpty();
        assertThat(TABLE.factory()).map(Partition::label).contains("factory");
        assertThat(TABLE.test()).map(Partition::label).contains("test");
        assertThat(TABLE.otadata()).map(Partition::label).contains("otadata");
        assertThat(TABLE.find("custom")).map(Partition::flags).contains(3);
        assertThat(TABLE.find("missing")).isEmpty();
        assertThat(PartitionTable.of(List.of()).factory()).isEmpty();
    }

    @Test
    void namesFollowTheTool() {
        assertThat(Partition.of("x", 0, 0x13, 0, 0).subtypeName()).isEqualTo("ota_3");
        assertThat(Partition.of("x", 0, 0x13, 0, 0).otaSlot()).hasValue(3);
        assertThat(Partition.of("x", 0, 0x00, 0, 0).otaSlot()).isEmpty();
        assertThat(Partition.of("x", 0, 0x31, 0, 0).subtypeName()).isEqualTo("tee_1");
        assertThat(Partition.of("x", 0, 0x21, 0, 0).subtypeName()).isEqualTo("0x21");
        assertThat(Partition.of("x", 1, 0x83, 0, 0).subtypeName()).isEqualTo("littlefs");
        assertThat(Partition.of("x", 1, 0x90, 0, 0).subtypeName()).isEqualTo("tee_ota");
        assertThat(Partition.of("x", 1, 0x06, 0, 0).subtypeName()).isEqualTo("undefined");
        assertThat(Partition.of("x", 2, 0x02, 0, 0).subtypeName()).isEqualTo("recovery");
        assertThat(Partition.of("x", 3, 0x01, 0, 0).typeName()).isEqualTo("partition_table");
        assertThat(Partition.of("x", 3, 0x01, 0, 0).subtypeName()).isEqualTo("ota");
        assertThat(Partition.of("x", 0x40, 0x01, 0, 0).typeName()).isEqualTo("0x40");
        assertThat(Partition.of("x", 0x40, 0x01, 0, 0).subtypeName()).isEqualTo("0x01");
        assertThatThrownBy(() -> Partition.of("x", 256, 0, 0, 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Partition.of("x", 0, 0, 0x100000000L, 0))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void md5MismatchIsReportedOrRefused() {
        byte[] bin = TABLE.encode(true);
        bin[12] ^= 0x20;
        assertThat(PartitionTable.inspect(bin).md5()).isEqualTo(Md5Status.MISMATCH);
        assertThat(PartitionTable.inspect(bin).table().partitions().get(0).label()).isEqualTo("Nvs");
        assertRefused(bin, Reason.MD5_MISMATCH, "MD5");
    }

    @Test
    void secondMd5EntryIsRefused() {
        byte[] bin = TABLE.encode(true);
        System.arraycopy(bin, 7 * 32, bin, 8 * 32, 32);
        assertRefused(bin, Reason.DUPLICATE_MD5, "only one MD5");
    }

    @Test
    void entriesAfterTheMd5EntryAreAccepted() {
        byte[] bin = PartitionTable.of(TABLE.partitions().subList(0, 2)).encode(true);
        byte[] extra = PartitionTable.of(TABLE.partitions().subList(2, 3)).encode(false);
        System.arraycopy(extra, 0, bin, 3 * 32, 32);
        PartitionTable.ParseReport report = PartitionTable.inspect(bin);
        assertThat(report.md5()).isEqualTo(Md5Status.VALID);
        assertThat(report.table().partitions()).hasSize(3);
    }

    @Test
    void badMagicNamesTheEntry() {
        byte[] bin = TABLE.encode(true);
        bin[3 * 32 + 1] = 0x51;
        assertRefused(bin, Reason.BAD_MAGIC, "partition 3 invalid magic number 0x51aa");
        byte[] endWithWrongType = TABLE.encode(false);
        endWithWrongType[7 * 32 + 2] = 0x00;
        assertRefused(endWithWrongType, Reason.BAD_MAGIC, "partition 7 invalid magic number 0xffff");
    }

    @Test
    void endMarkerNeedsOnlyMagicTypeAndSubtype() {
        byte[] bin = TABLE.encode(true);
        bin[8 * 32 + 10] = 0x12;
        assertThat(PartitionTable.parse(bin)).isEqualTo(TABLE);
    }

    @Test
    void allErasedIsAnEmptyTable() {
        byte[] erased = new byte[0xC00];
        Arrays.fill(erased, (byte) 0xFF);
        assertThat(PartitionTable.isBinary(erased)).isTrue();
        assertThat(PartitionTable.parseBinaryOrCsv(erased).partitions()).isEmpty();
        assertThat(PartitionTable.of(List.of()).encode(false)).isEqualTo(erased);
    }

    @Test
    void tableWithoutEndMarkerIsRefused() {
        List<Partition> many = new ArrayList<>();
        for (int i = 0; i < 96; i++) {
            many.add(Partition.of("p" + i, 1, 0x81, 0x10000 + i * 0x1000L, 0x1000));
        }
        assertThatThrownBy(() -> PartitionTable.of(many).encode(false))
                .isInstanceOfSatisfying(PartitionTableException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TABLE_TOO_LONG));
        byte[] full = new byte[0x1000];
        Arrays.fill(full, (byte) 0xFF);
        byte[] entries = PartitionTable.of(many.subList(0, 95)).encode(false);
        System.arraycopy(entries, 0, full, 0, 95 * 32);
        System.arraycopy(entries, 0, full, 95 * 32, 32);
        assertRefused(full, Reason.MISSING_END_MARKER, "no terminating entry");
        assertThat(PartitionTable.parse(Arrays.copyOf(entries, 0x1000))).extracting(t -> t.partitions().size())
                .isEqualTo(95);
    }

    @Test
    void truncatedAtEveryLengthGivesTheTypedError() {
        byte[] bin = TABLE.encode(true);
        int complete = 9 * 32;
        for (int length = 0; length <= bin.length; length++) {
            byte[] cut = Arrays.copyOf(bin, length);
            if (length >= complete) {
                assertThat(PartitionTable.parse(cut)).isEqualTo(TABLE);
            } else {
                Throwable thrown = catchThrowable(() -> PartitionTable.parse(cut));
                assertThat(thrown).as("length %d", length).isInstanceOfSatisfying(PartitionTableException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.TRUNCATED));
            }
        }
    }

    @Test
    void garbageOnlyEverGivesTheTypedError() {
        Random random = new Random(42);
        byte[] good = TABLE.encode(true);
        for (int round = 0; round < 3000; round++) {
            byte[] input = round % 2 == 0 ? new byte[random.nextInt(0x1100)] : good.clone();
            if (round % 2 == 0) {
                random.nextBytes(input);
                if (input.length > 1 && round % 4 == 0) {
                    input[0] = (byte) 0xAA;
                    input[1] = 0x50;
                }
            } else {
                for (int flips = 0; flips < 1 + random.nextInt(4); flips++) {
                    input[random.nextInt(10 * 32)] ^= (byte) (1 << random.nextInt(8));
                }
            }
            try {
                PartitionTable table = PartitionTable.parseBinaryOrCsv(input);
                assertThat(table.partitions()).isNotNull();
            } catch (PartitionTableException expected) {
                assertThat(expected.getMessage()).isNotBlank();
            }
        }
    }

    @Test
    void tellsBinaryFromCsv() {
        assertThat(PartitionTable.isBinary(new byte[] {(byte) 0xAA, 0x50})).isTrue();
        assertThat(PartitionTable.isBinary(new byte[] {(byte) 0xEB, (byte) 0xEB})).isTrue();
        assertThat(PartitionTable.isBinary("nvs,data".getBytes())).isFalse();
        assertThat(PartitionTable.isBinary(new byte[0])).isFalse();
        assertThat(PartitionTable.parseBinaryOrCsv("nvs, data, nvs, , 0x4000\n".getBytes()).partitions())
                .containsExactly(Partition.of("nvs", 1, 2, 0x9000, 0x4000));
    }

    @Test
    void verifyAppliesTheToolsRulesToBinaries() {
        TABLE.verify(0x8000);
        PartitionTable overlapping = PartitionTable.of(List.of(Partition.of("a", 1, 0x81, 0x20000, 0x2000),
                Partition.of("b", 1, 0x81, 0x10000, 0x11000)));
        assertThatThrownBy(() -> overlapping.verify(0x8000)).isInstanceOfSatisfying(PartitionTableException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.OVERLAP))
                .hasMessage("Partition at 0x20000 overlaps 0x10000-0x20fff");
        PartitionTable below = PartitionTable.of(List.of(Partition.of("a", 1, 0x81, 0x8000, 0x1000)));
        assertThatThrownBy(() -> below.verify(0x8000)).hasMessage("Partition offset 0x8000 is below 0x9000");
        PartitionTable primaries = PartitionTable.of(List.of(Partition.of("bl", 2, 0, 0x1000, 0x7000),
                Partition.of("pt", 3, 0, 0x8000, 0x1000)));
        primaries.verify(0x8000);
    }

    private static void assertRefused(byte[] bin, Reason reason, String message) {
        assertThatThrownBy(() -> PartitionTable.parse(bin)).isInstanceOfSatisfying(PartitionTableException.class,
                e -> assertThat(e.reason()).isEqualTo(reason)).hasMessageContaining(message);
    }
}
