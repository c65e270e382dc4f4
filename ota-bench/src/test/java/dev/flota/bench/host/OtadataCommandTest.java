package dev.flota.bench.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaImgState;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code otadata}: the command-line contract on data the test writes, and on the vectors when present. */
class OtadataCommandTest {

    private static final String FACTORY_OTA2 = """
            nvs, data, nvs, , 0x4000
            otadata, data, ota, , 0x2000
            factory, app, factory, , 1M
            ota_0, app, ota_0, , 1M
            ota_1, app, ota_1, , 1M
            """;

    @TempDir
    Path dir;

    @Test
    void jsonHasEntriesAndBoot() throws Exception {
        OtaData data = new OtaData(OtaSelectEntry.of(3, OtaImgState.PENDING_VERIFY),
                OtaSelectEntry.of(2, OtaImgState.VALID));
        Path otadata = Files.write(dir.resolve("otadata.bin"), data.encode());
        Path table = Files.write(dir.resolve("pt.bin"),
                PartitionCsv.toBinary(FACTORY_OTA2, PartitionCsv.Options.defaults()));
        Cli cli = Cli.run("otadata", otadata.toString(), "--partitions", table.toString(), "--json");
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        JsonNode json = cli.json();
        assertThat(json.fieldNames()).toIterable().containsExactly("entries", "boot");
        assertThat(json.get("entries")).hasSize(2);
        assertThat(json.get("entries").get(0).fieldNames()).toIterable().containsExactly("seq", "state", "crcValid");
        assertThat(json.get("entries").get(0).get("seq").isNumber()).isTrue();
        assertThat(json.get("entries").get(0).get("seq").asLong()).isEqualTo(3);
        assertThat(json.get("entries").get(0).get("state").asText()).isEqualTo("PENDING_VERIFY");
        assertThat(json.get("entries").get(1).get("crcValid").asBoolean()).isTrue();
        assertThat(json.get("boot").asText()).isEqualTo("ota_0");
        Cli rollback = Cli.run("otadata", otadata.toString(), "--partitions", table.toString(), "--rollback",
                "--json");
        assertThat(rollback.json().get("boot").asText()).isEqualTo("ota_1");
        assertThat(rollback.json().get("entries").get(0).get("state").asText()).isEqualTo("PENDING_VERIFY");
    }

    @Test
    void blankOtadataWithCsvTableBootsFactoryAndPrintsText() throws Exception {
        Path otadata = Files.write(dir.resolve("blank.bin"), OtaData.blank().encode());
        Path table = Files.writeString(dir.resolve("pt.csv"), FACTORY_OTA2);
        Cli cli = Cli.run("otadata", otadata.toString(), "--partitions", table.toString());
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.out()).contains("otadata[0]: seq=0xffffffff state=UNDEFINED").endsWith("boot: factory\n");
        Cli json = Cli.run("otadata", otadata.toString(), "--partitions", table.toString(), "--json");
        assertThat(json.json().get("entries").get(0).get("seq").asLong()).isEqualTo(0xFFFFFFFFL);
        assertThat(json.json().get("entries").get(0).get("crcValid").asBoolean()).isFalse();
    }

    @Test
    void errorsAndExitCodes() throws Exception {
        Path table = Files.writeString(dir.resolve("pt.csv"), FACTORY_OTA2);
        Path shortFile = Files.write(dir.resolve("short.bin"), new byte[100]);
        Cli wrongSize = Cli.run("otadata", shortFile.toString(), "--partitions", table.toString());
        assertThat(wrongSize.exitCode()).isEqualTo(1);
        assertThat(wrongSize.err()).startsWith("error: ").contains("8192");
        Path otadata = Files.write(dir.resolve("blank.bin"), OtaData.blank().encode());
        Path badTable = Files.writeString(dir.resolve("bad.csv"), "x, , nvs, , 1\n");
        assertThat(Cli.run("otadata", otadata.toString(), "--partitions", badTable.toString()).exitCode())
                .isEqualTo(1);
        Path noApps = Files.writeString(dir.resolve("noapps.csv"), "nvs, data, nvs, , 0x4000\n");
        Cli nothing = Cli.run("otadata", otadata.toString(), "--partitions", noApps.toString(), "--json");
        assertThat(nothing.exitCode()).isEqualTo(1);
        assertThat(nothing.json().get("boot").isNull()).isTrue();
        assertThat(Cli.run("otadata", otadata.toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("otadata", dir.resolve("missing").toString(), "--partitions", table.toString())
                .exitCode()).isEqualTo(2);
        assertThat(Cli.run("otadata", otadata.toString(), "--partitions", dir.resolve("missing").toString())
                .exitCode()).isEqualTo(2);
    }

    @ParameterizedTest
    @CsvSource({
        "otadata_blank.bin, factory, ota_0, factory, ota_0",
        "otadata_seq3_pendingverify_seq2_valid.bin, ota_0, ota_2, ota_1, ota_1",
        "otadata_seq_fffffffe_seq1.bin, ota_1, ota_1, ota_1, ota_1",
        "otadata_otatool_switch_ota0_ota1_ota0.bin, ota_0, ota_2, ota_0, ota_2"})
    void vectors(String file, String t2f, String t4, String t2fRollback, String t4Rollback) {
        Vectors.root();
        assertThat(boot(file, "pt_factory_ota2_4MB.bin", false)).isEqualTo(t2f);
        assertThat(boot(file, "pt_ota4_8MB.bin", false)).isEqualTo(t4);
        assertThat(boot(file, "pt_factory_ota2_4MB.bin", true)).isEqualTo(t2fRollback);
        assertThat(boot(file, "pt_ota4_8MB.bin", true)).isEqualTo(t4Rollback);
    }

    private static String boot(String otadata, String table, boolean rollback) {
        Cli cli = rollback
                ? Cli.run("otadata", Vectors.file("otadata/" + otadata).toString(), "--partitions",
                        Vectors.file("partition_tables/" + table).toString(), "--rollback", "--json")
                : Cli.run("otadata", Vectors.file("otadata/" + otadata).toString(), "--partitions",
                        Vectors.file("partition_tables/" + table).toString(), "--json");
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        return cli.json().get("boot").asText();
    }
}
