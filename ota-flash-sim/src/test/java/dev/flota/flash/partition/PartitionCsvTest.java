package dev.flota.flash.partition;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.partition.PartitionTableException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** gen_esp32part.py's CSV rules on tables the test writes itself. */
class PartitionCsvTest {

    private static final PartitionCsv.Options DEFAULTS = PartitionCsv.Options.defaults();

    private static List<Partition> parse(String csv) {
        return PartitionCsv.parse(csv, DEFAULTS).partitions();
    }

    private static void assertRefused(String csv, PartitionCsv.Options options, Reason reason, String message) {
        assertThatThrownBy(() -> PartitionCsv.parse(csv, options))
                .isInstanceOfSatisfying(PartitionTableException.class, e -> assertThat(e.reason()).isEqualTo(reason))
                .hasMessageContaining(message);
    }

    private static void assertRefused(String csv, Reason reason, String message) {
        assertRefused(csv, DEFAULTS, reason, message);
    }

    @Test
    void blankOffsetsFollowTheTableAlignedPerType() {
        List<Partition> parts = parse("""
                # comment
                nvs, data, nvs, , 0x5000,
                app0, app, ota_0, , 64K,
                spiffs, data, spiffs, , 0x1800,
                more, data, fat, , 4k,
                """);
        assertThat(parts).extracting(Partition::offset).containsExactly(0x9000L, 0x10000L, 0x20000L, 0x22000L);
        assertThat(parts.get(1).size()).isEqualTo(0x10000);
        assertThat(parts.get(3).size()).isEqualTo(0x1000);
    }

    @Test
    void customTableOffsetMovesTheFirstFreeOffset() {
        var parts = PartitionCsv.parse("nvs,data,nvs,,0x4000\n", DEFAULTS.withTableOffset(0x10000)).partitions();
        assertThat(parts.get(0).offset()).isEqualTo(0x11000);
    }

    @Test
    void keywordsNumbersAndSuffixes() {
        List<Partition> parts = parse("""
                a, APP, Factory, 0x10000, 1M
                b, 0x40, 0x7, , 0b1000000000000
                c, data, , , 0o10000
                d, 64, 1_0, , 4_096
                e, data, 0x99, , 2k
                """);
        assertThat(parts.get(0)).isEqualTo(Partition.of("a", 0, 0, 0x10000, 0x100000));
        assertThat(parts.get(1)).isEqualTo(Partition.of("b", 0x40, 7, 0x110000, 0x1000));
        assertThat(parts.get(2).subtype()).isEqualTo(0x06);
        assertThat(parts.get(2).size()).isEqualTo(0x1000);
        assertThat(parts.get(3)).isEqualTo(Partition.of("d", 0x40, 10, 0x112000, 4096));
        assertThat(parts.get(4).subtype()).isEqualTo(0x99);
    }

    @Test
    void negativeSizeIsAnEndAddress() {
        assertThat(parse("fs, data, fat, 0x10000, -0x40000\n").get(0).size()).isEqualTo(0x30000);
    }

    @Test
    void flagsAndLabelTruncation() {
        List<Partition> parts = parse("""
                a_very_long_partition_name, data, nvs, , 0x3000, encrypted:readonly
                b, data, fat, , 0x1000, readonly
                """);
        assertThat(parts.get(0).encrypted()).isTrue();
        assertThat(parts.get(0).readonly()).isTrue();
        assertThat(parts.get(1).flags()).isEqualTo(2);
        PartitionTable decoded = PartitionTable.parse(PartitionTable.of(parts).encode(true));
        assertThat(decoded.partitions().get(0).label()).isEqualTo("a_very_long_part");
    }

    @Test
    void bootloaderAndPartitionTableEntriesAreForced() {
        var options = DEFAULTS.withPrimaryBootloaderOffset(0x2000);
        List<Partition> parts = PartitionCsv.parse("""
                bootloader, bootloader, primary, N/A, N/A
                pt, partition_table, primary, N/A, N/A
                nvs, data, nvs, , 0x3000
                bl_ota, bootloader, ota, , 0x1
                pt_ota, partition_table, ota, , 0x5
                rec, bootloader, recovery, N/A, N/A
                """, options.withRecoveryBootloaderOffset(0x300000)).partitions();
        assertThat(parts.get(0)).isEqualTo(Partition.of("bootloader", 2, 0, 0x2000, 0x6000));
        assertThat(parts.get(1)).isEqualTo(Partition.of("pt", 3, 0, 0x8000, 0x1000));
        assertThat(parts.get(3)).isEqualTo(Partition.of("bl_ota", 2, 1, 0xc000, 0x6000));
        assertThat(parts.get(4)).isEqualTo(Partition.of("pt_ota", 3, 1, 0x12000, 0x1000));
        assertThat(parts.get(5)).isEqualTo(Partition.of("rec", 2, 2, 0x300000, 0x6000));
    }

    @Test
    void bootloaderEntriesNeedTheBootloaderOffset() {
        assertRefused("bootloader, bootloader, primary, N/A, N/A\n", Reason.MISSING_OFFSET,
                "Error at line 1: Primary bootloader offset is not provided");
        assertRefused("bl, bootloader, ota, , 0x1000\n", Reason.MISSING_OFFSET, "Primary bootloader offset");
        assertRefused("rec, bootloader, recovery, , 0x1000\n", DEFAULTS.withPrimaryBootloaderOffset(0x1000),
                Reason.MISSING_OFFSET, "Recovery bootloader offset is not provided");
        assertRefused("nvs,data,nvs,,0x4000\n", DEFAULTS.withPrimaryBootloaderOffset(0x8000),
                Reason.BAD_CONFIGURATION, "Primary bootloader must be below partition table");
        assertRefused("x, data, nvs, N/A, 0x4000\n", Reason.CSV_SYNTAX, "Invalid field value N/A");
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '"', value = {
        "x, , nvs, , 0x4000                    | CSV_SYNTAX | Field 'type' can't be left empty",
        "x, app, , , 0x10000                   | CSV_SYNTAX | App partition cannot have an empty subtype",
        "x, data, nvs,                         | CSV_SYNTAX | Size field can't be empty",
        "x, dat, nvs, , 0x4000                 | CSV_SYNTAX | Value 'dat' is not valid",
        "x, data, nvz, , 0x4000                | CSV_SYNTAX | Value 'nvz' is not valid",
        "x, 0x40, nvs, , 0x4000                | CSV_SYNTAX | Invalid field value nvs",
        "x, data, nvs, , 0x4000, secret        | CSV_SYNTAX | unknown flag 'secret'",
        "x, data, nvs, , 010                   | CSV_SYNTAX | Invalid field value 010",
        "x, 256, 0, , 0x1000                   | VALUE_OUT_OF_RANGE | does not fit in one byte",
        "x, data, fat, 0x100000000, 0x2000     | VALUE_OUT_OF_RANGE | unsigned 32-bit",
        "x, data, fat, , 0xFFFFFFFFFFFFFFFFFF  | VALUE_OUT_OF_RANGE | out of range",
        "x, data, fat, , 1kkkkkkk              | VALUE_OUT_OF_RANGE | out of range",
        "$FLOTA_UNSET_VARIABLE, data, nvs, , 1 | CSV_SYNTAX | unknown variable 'FLOTA_UNSET_VARIABLE'",
    })
    void syntaxErrors(String line, Reason reason, String message) {
        assertRefused(line + "\n", reason, message);
    }

    @Test
    void errorsNameTheLine() {
        assertRefused("# header\n\nnvs, data, nvs, , 0x4000\nbad, data, nvs, , \n", Reason.CSV_SYNTAX,
                "Error at line 4: Size field can't be empty");
    }

    @Test
    void overlapsAreRefused() {
        assertRefused("nvs, data, nvs, 0x8000, 0x4000\n", Reason.OVERLAP,
                "CSV Error at line 1: Partitions overlap. Partition sets offset 0x8000. But partition table occupies "
                        + "the whole sector 0x8000. Use a free offset 0x9000 or higher.");
        assertRefused("a, data, nvs, , 0x4000\nb, data, fat, 0xc000, 0x1000\n", Reason.OVERLAP,
                "CSV Error at line 2: Partitions overlap. Partition sets offset 0xc000. Previous partition ends 0xd000");
    }

    @Test
    void validationErrors() {
        assertRefused("a, data, nvs, , 0x4000\na, data, fat, , 0x1000\n", Reason.DUPLICATE_NAME,
                "Partition names must be unique");
        assertRefused("o1, data, ota, , 0x2000\no2, data, ota, , 0x2000\n", Reason.MULTIPLE_OTADATA,
                "Found multiple otadata partitions");
        assertRefused("o1, data, ota, , 0x3000\n", Reason.OTADATA_SIZE, "otadata partition must have size = 0x2000");
        assertRefused("t1, data, tee_ota, , 0x1000\n", Reason.OTADATA_SIZE, "TEE otadata partition must have size");
        assertRefused("o1, data, ota, , 0x2000, readonly\n", Reason.READONLY_NOT_ALLOWED,
                "Partition o1 invalid: 'o1' partition of type 1 and subtype 0 is always read-write");
        assertRefused("cd, data, coredump, , 0x10000, readonly\n", Reason.READONLY_NOT_ALLOWED, "always read-write");
        assertRefused("nvs, data, nvs, , 0x2000\n", Reason.NVS_TOO_SMALL,
                "'nvs' partition of type 1 and subtype 2 of this size (0x2000) must be flagged as 'readonly'");
        assertThat(parse("nvs, data, nvs, , 0x1000, readonly\n")).hasSize(1);
        assertRefused("f, app, factory, 0x18000, 1M\n", Reason.MISALIGNED,
                "Partition f invalid: Offset 0x18000 is not aligned to 0x10000");
        assertRefused("d, data, fat, 0x9800, 0x1000\n", Reason.MISALIGNED, "Offset 0x9800 is not aligned to 0x1000");
        assertRefused("f, app, factory, , 0x10800\n", Reason.MISALIGNED, "Size 0x10800 is not aligned to 0x1000");
    }

    @Test
    void flashSizeCheck() {
        String csv = "nvs, data, nvs, , 0x4000\nfactory, app, factory, , 0x3F0000\n";
        assertThat(PartitionCsv.parse(csv, DEFAULTS.withFlashSize(0x400000)).partitions()).hasSize(2);
        assertRefused(csv + "x, data, fat, , 0x1000\n", DEFAULTS.withFlashSize(0x400000), Reason.DOES_NOT_FIT_FLASH,
                "Partitions tables occupies 4.0MB of flash (4198400 bytes) which does not fit");
    }

    @Test
    void tooManyEntriesForTheTableArea() {
        StringBuilder csv = new StringBuilder();
        for (int i = 0; i < 95; i++) {
            csv.append("p").append(i).append(", data, fat, , 0x1000\n");
        }
        assertThat(PartitionCsv.toBinary(csv.toString(), DEFAULTS.withMd5(false))).hasSize(0xC00);
        assertRefused(csv.toString(), Reason.TABLE_TOO_LONG, "Binary partition table length (3072) longer than max");
    }

    @Test
    void verificationCanBeTurnedOff() {
        String csv = "nvs, data, nvs, , 0x1000\n";
        assertThat(PartitionCsv.parse(csv, DEFAULTS.withVerify(false)).partitions()).hasSize(1);
    }

    @Test
    void bomCrLfAndFieldsBeyondSixAreAccepted() {
        byte[] csv = "\uFEFFnvs, data, nvs, , 0x4000,, extra\r\nphy, data, phy, , 0x1000\r\n"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(PartitionCsv.parse(csv, DEFAULTS).partitions()).extracting(Partition::label)
                .containsExactly("nvs", "phy");
        assertThat(PartitionTable.parseBinaryOrCsv(csv).partitions()).hasSize(2);
    }

    @Test
    void formatPrintsTheToolsCsvAndParsesBack() {
        PartitionTable table = PartitionCsv.parse("""
                nvs, data, nvs, , 0x6000
                key, data, nvs_keys, , 0x1000, encrypted
                otadata, data, ota, , 0x2000
                app, app, ota_0, , 0x180000
                odd, data, fat, , 0x1100
                c, 0x40, 0x01, , 0x1000, encrypted:readonly
                """, DEFAULTS);
        String csv = PartitionCsv.format(table);
        assertThat(csv).isEqualTo("""
                # ESP-IDF Partition Table
                # Name, Type, SubType, Offset, Size, Flags
                nvs,data,nvs,0x9000,24K,
                key,data,nvs_keys,0xf000,4K,encrypted
                otadata,data,ota,0x10000,8K,
                app,app,ota_0,0x20000,1536K,
                odd,data,fat,0x1a0000,0x1100,
                c,64,1,0x1a2000,4K,encrypted:readonly
                """);
        assertThat(PartitionCsv.parse(csv, DEFAULTS)).isEqualTo(table);
        assertThat(PartitionCsv.sizeText(0x200000)).isEqualTo("2M");
    }
}
