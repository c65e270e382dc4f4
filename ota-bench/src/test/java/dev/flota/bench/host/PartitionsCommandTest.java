package dev.flota.bench.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code partitions}: the command-line contract on tables the test writes, and on the vectors when present. */
class PartitionsCommandTest {

    private static final String CSV = """
            # Name,   Type, SubType, Offset,   Size, Flags
            nvs,      data, nvs,     ,        0x4000,
            otadata,  data, ota,     ,        0x2000,
            phy_init, data, phy,     ,        0x1000,
            factory,  app,  factory, ,        1M,
            ota_0,    app,  ota_0,   ,        1M,
            ota_1,    app,  ota_1,   ,        1M, encrypted
            """;

    @TempDir
    Path dir;

    @Test
    void jsonListsEveryEntryWithTheContractKeys() throws Exception {
        Path bin = write("pt.bin", PartitionCsv.toBinary(CSV, PartitionCsv.Options.defaults()));
        Cli cli = Cli.run("partitions", bin.toString(), "--json");
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        JsonNode json = cli.json();
        assertThat(json.fieldNames()).toIterable().containsExactly("partitions", "md5");
        assertThat(json.get("partitions")).hasSize(6);
        JsonNode ota1 = json.get("partitions").get(5);
        assertThat(ota1.fieldNames()).toIterable().containsExactly("label", "type", "subtype", "typeName",
                "subtypeName", "offset", "size", "encrypted", "readonly");
        assertThat(ota1.get("label").asText()).isEqualTo("ota_1");
        assertThat(ota1.get("type").isNumber()).isTrue();
        assertThat(ota1.get("subtype").asInt()).isEqualTo(0x11);
        assertThat(ota1.get("typeName").asText()).isEqualTo("app");
        assertThat(ota1.get("subtypeName").asText()).isEqualTo("ota_1");
        assertThat(ota1.get("offset").asLong()).isEqualTo(0x210000);
        assertThat(ota1.get("size").asLong()).isEqualTo(0x100000);
        assertThat(ota1.get("encrypted").asBoolean()).isTrue();
        assertThat(ota1.get("readonly").asBoolean()).isFalse();
        assertThat(json.get("md5").get("present").asBoolean()).isTrue();
        assertThat(json.get("md5").get("valid").asBoolean()).isTrue();
    }

    @Test
    void textIsTheToolsCsvAndCsvInputIsAccepted() throws Exception {
        Path csv = write("pt.csv", CSV.getBytes(StandardCharsets.UTF_8));
        Cli cli = Cli.run("partitions", csv.toString());
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.out()).startsWith("# ESP-IDF Partition Table\n").contains("ota_1,app,ota_1,0x210000,1M,encrypted");
        Cli json = Cli.run("partitions", csv.toString(), "--json", "--disable-md5sum");
        assertThat(json.json().get("partitions").get(0).get("offset").asLong()).isEqualTo(0x9000);
        assertThat(json.json().get("md5").get("present").asBoolean()).isFalse();
    }

    @Test
    void badMd5ExitsOneAndStillPrints() throws Exception {
        byte[] bin = PartitionCsv.toBinary(CSV, PartitionCsv.Options.defaults());
        bin[12] = 'N';
        Cli cli = Cli.run("partitions", write("bad.bin", bin).toString(), "--json");
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.json().get("md5").get("present").asBoolean()).isTrue();
        assertThat(cli.json().get("md5").get("valid").asBoolean()).isFalse();
        assertThat(cli.json().get("partitions").get(0).get("label").asText()).isEqualTo("Nvs");
        assertThat(cli.err()).startsWith("error: MD5");
    }

    @Test
    void badMagicExitsOneWithOneLine() throws Exception {
        byte[] bin = PartitionCsv.toBinary(CSV, PartitionCsv.Options.defaults());
        bin[2 * 32 + 1] = 0x51;
        Cli cli = Cli.run("partitions", write("bad.bin", bin).toString(), "--json");
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.err().strip()).isEqualTo("error: partition 2 invalid magic number 0x51aa");
        assertThat(cli.out()).isEmpty();
    }

    @Test
    void toBinaryWritesWhatTheToolWrites() throws Exception {
        Path csv = write("pt.csv", CSV.getBytes(StandardCharsets.UTF_8));
        Path out = dir.resolve("out.bin");
        Cli cli = Cli.run("partitions", csv.toString(), "--flash-size", "4MB", "--to-binary", out.toString());
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        assertThat(Files.readAllBytes(out)).hasSize(0xC00)
                .isEqualTo(PartitionCsv.toBinary(CSV, PartitionCsv.Options.defaults()));
        Path noMd5 = dir.resolve("nomd5.bin");
        assertThat(Cli.run("partitions", csv.toString(), "--disable-md5sum", "--offset", "0x9000", "--to-binary",
                noMd5.toString()).exitCode()).isZero();
        assertThat(Files.readAllBytes(noMd5)).isEqualTo(PartitionCsv.toBinary(CSV,
                PartitionCsv.Options.defaults().withMd5(false).withTableOffset(0x9000)));
    }

    @Test
    void csvValidationErrorsExitOneAndWriteNothing() throws Exception {
        Path out = dir.resolve("out.bin");
        Path csv = write("dup.csv", (CSV + "nvs, data, fat, , 0x1000\n").getBytes(StandardCharsets.UTF_8));
        Cli cli = Cli.run("partitions", csv.toString(), "--to-binary", out.toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.err().strip()).isEqualTo("error: Partition names must be unique (duplicate 'nvs')");
        assertThat(out).doesNotExist();
        Cli tooBig = Cli.run("partitions", write("pt.csv", CSV.getBytes(StandardCharsets.UTF_8)).toString(),
                "--flash-size", "2MB", "--to-binary", out.toString());
        assertThat(tooBig.exitCode()).isEqualTo(1);
        assertThat(tooBig.err()).startsWith("error: Partitions tables occupies 3.1MB").doesNotContain("\n\n");
        assertThat(out).doesNotExist();
        Cli bootloader = Cli.run("partitions",
                write("bl.csv", "bl, bootloader, primary, N/A, N/A\n".getBytes(StandardCharsets.UTF_8)).toString(),
                "--to-binary", out.toString());
        assertThat(bootloader.exitCode()).isEqualTo(1);
        assertThat(bootloader.err()).contains("Primary bootloader offset is not provided");
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path csv = write("pt.csv", CSV.getBytes(StandardCharsets.UTF_8));
        assertThat(Cli.run("partitions", dir.resolve("missing.bin").toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("partitions").exitCode()).isEqualTo(2);
        assertThat(Cli.run("partitions", csv.toString(), "--flash-size", "3MB").exitCode()).isEqualTo(2);
        assertThat(Cli.run("partitions", csv.toString(), "--offset", "zero").exitCode()).isEqualTo(2);
        Path bin = write("pt.bin", PartitionCsv.toBinary(CSV, PartitionCsv.Options.defaults()));
        Cli cli = Cli.run("partitions", bin.toString(), "--to-binary", dir.resolve("x.bin").toString());
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.err()).startsWith("error: --to-binary converts a CSV");
    }

    @Test
    void vectorsConvertByteForByte() throws Exception {
        Vectors.root();
        convert("pt_factory_ota2_4MB.csv", "pt_factory_ota2_4MB.bin", "--flash-size", "4MB");
        convert("pt_factory_ota2_4MB.csv", "pt_factory_ota2_4MB.nomd5.bin", "--flash-size", "4MB",
                "--disable-md5sum");
        convert("pt_ota4_8MB.csv", "pt_ota4_8MB.bin", "--flash-size", "8MB");
        convert("pt_flags_encrypted_readonly.csv", "pt_flags_encrypted_readonly.bin", "--flash-size", "4MB");
        convert("pt_with_bootloader_entries.csv", "pt_with_bootloader_entries.bin", "--flash-size", "4MB",
                "--primary-bootloader-offset", "0x1000");
    }

    @Test
    void vectorsShowAsListed() {
        Vectors.root();
        Cli ok = Cli.run("partitions", Vectors.file("partition_tables/pt_ota4_8MB.bin").toString(), "--json");
        assertThat(ok.exitCode()).isZero();
        assertThat(ok.json().get("partitions")).hasSize(8);
        assertThat(ok.json().get("partitions").get(7).get("subtypeName").asText()).isEqualTo("spiffs");
        Cli noMd5 = Cli.run("partitions", Vectors.file("partition_tables/pt_factory_ota2_4MB.nomd5.bin").toString(),
                "--json");
        assertThat(noMd5.exitCode()).isZero();
        assertThat(noMd5.json().get("md5").get("present").asBoolean()).isFalse();
        Cli bad = Cli.run("partitions",
                Vectors.file("partition_tables/corrupt/pt_factory_ota2_4MB.bad_md5.bin").toString(), "--json");
        assertThat(bad.exitCode()).isEqualTo(1);
        assertThat(bad.json().get("md5").get("valid").asBoolean()).isFalse();
        Cli magic = Cli.run("partitions",
                Vectors.file("partition_tables/corrupt/pt_factory_ota2_4MB.bad_entry_magic.bin").toString());
        assertThat(magic.exitCode()).isEqualTo(1);
        assertThat(magic.err()).contains("partition 2 invalid magic number");
    }

    private void convert(String csv, String expected, String... flags) throws Exception {
        Path out = dir.resolve(expected);
        String[] args = new String[flags.length + 4];
        args[0] = "partitions";
        args[1] = Vectors.file("partition_tables/" + csv).toString();
        System.arraycopy(flags, 0, args, 2, flags.length);
        args[flags.length + 2] = "--to-binary";
        args[flags.length + 3] = out.toString();
        Cli cli = Cli.run(args);
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        assertThat(Files.readAllBytes(out)).as(expected).isEqualTo(Vectors.bytes("partition_tables/" + expected));
    }

    private Path write(String name, byte[] content) throws Exception {
        return Files.write(dir.resolve(name), content);
    }
}
