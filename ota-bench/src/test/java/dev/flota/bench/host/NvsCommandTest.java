package dev.flota.bench.host;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.bench.host.flash.FlashFiles;
import dev.flota.flash.nvs.NvsNamespace;
import dev.flota.flash.nvs.NvsPartition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code nvs}: the command-line contract on a {@code flash create} device and on the vectors when present. */
class NvsCommandTest {

    private static final String TABLE = """
            nvs,      data, nvs,     0x9000,  0x6000
            otadata,  data, ota,     0xf000,  0x2000
            phy_init, data, phy,     0x11000, 0x1000
            factory,  app,  factory, 0x20000, 1M
            ota_0,    app,  ota_0,   ,        1M
            ota_1,    app,  ota_1,   ,        1M
            cfg,      data, nvs,     ,        0x3000
            """;
    private static final String URL = "https://192.168.1.10:8001/advanced_https_ota.bin";

    @TempDir
    Path dir;

    @Test
    void flashCreateDeviceWithAJournal() throws Exception {
        Path flash = device();
        try (FlashFiles.Opened opened = FlashFiles.open(flash)) {
            NvsNamespace ns = NvsPartition.mount(opened.flash(), 0x9000, 0x6000).open("ota_resumption");
            ns.setU16("nvs_ota_wr_len", 511);
            ns.setU16("nvs_ota_wr_len", 512);
            ns.setString("nvs_ota_url", URL);
            NvsPartition.mount(opened.flash(), 0x9000, 0x6000).open("app").setBlob("blob", new byte[] {0, 1, -1});
            NvsPartition.mount(opened.flash(), 0x9000, 0x6000).open("app").setU64("big", -1L);
            opened.storage().flush();
        }
        Cli cli = Cli.run("nvs", flash.toString(), "--json");
        assertThat(cli.exitCode()).as(cli.err()).isZero();
        JsonNode json = cli.json();
        assertThat(json.fieldNames()).toIterable().containsExactly("entries");
        assertThat(json.get("entries")).hasSize(4);
        assertThat(json.get("entries").get(0).fieldNames()).toIterable()
                .containsExactly("namespace", "key", "type", "value");
        assertThat(rows(json)).containsExactly("ota_resumption/nvs_ota_wr_len/u16/512",
                "ota_resumption/nvs_ota_url/str/" + URL, "app/blob/blob/0001ff", "app/big/u64/18446744073709551615");
        assertThat(json.get("entries").get(0).get("value").isNumber()).isTrue();
        assertThat(json.get("entries").get(3).get("value").isBigInteger()).isTrue();

        Cli text = Cli.run("nvs", flash.toString());
        assertThat(text.exitCode()).isZero();
        assertThat(text.out()).contains("partition 'nvs' at 0x9000", "2 namespaces, 4 keys")
                .containsPattern("ota_resumption +nvs_ota_wr_len +u16 +512");

        Cli other = Cli.run("nvs", flash.toString(), "--partition", "cfg", "--json");
        assertThat(other.exitCode()).as(other.err()).isZero();
        assertThat(other.json().get("entries")).isEmpty();
        assertThat(Cli.run("nvs", flash.toString(), "--partition", "factory").exitCode()).isEqualTo(2);
        assertThat(Cli.run("nvs", flash.toString(), "--partition", "nope").exitCode()).isEqualTo(2);

        byte[] bare = java.util.Arrays.copyOfRange(Files.readAllBytes(flash), 0x9000, 0xF000);
        Path partition = Files.write(dir.resolve("nvs.bin"), bare);
        Cli fromBare = Cli.run("nvs", partition.toString(), "--json");
        assertThat(fromBare.exitCode()).as(fromBare.err()).isZero();
        assertThat(rows(fromBare.json())).isEqualTo(rows(json));
        assertThat(Cli.run("nvs", partition.toString(), "--partition", "nvs").exitCode()).isEqualTo(2);
        assertThat(Files.readAllBytes(partition)).as("the file is not changed").isEqualTo(bare);
    }

    @Test
    void refusedPartitionExitsOneWithTheReason() throws Exception {
        byte[] image = new byte[0x3000];
        java.util.Arrays.fill(image, (byte) 0xFF);
        Path blank = Files.write(dir.resolve("blank.bin"), image);
        assertThat(Cli.run("nvs", blank.toString(), "--json").json().get("entries")).isEmpty();
        Path odd = Files.write(dir.resolve("odd.bin"), new byte[1000]);
        Cli cli = Cli.run("nvs", odd.toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.err()).contains("ESP-IDF would not mount", "ESP_ERR_INVALID_SIZE");
    }

    @Test
    void vectorsGiveTheLibraryValues() throws Exception {
        Cli c = Cli.run("nvs", Vectors.file("nvs/generator/nvs_c_ota_resumption_mid_update_0x6000.bin").toString(),
                "--json");
        assertThat(c.exitCode()).as(c.err()).isZero();
        assertThat(rows(c.json())).containsExactly("ota_resumption/nvs_ota_wr_len/u16/512",
                "ota_resumption/nvs_ota_url/str/" + URL);
        Cli dup = Cli.run("nvs", Vectors.file("nvs/generator/nvs_e_duplicate_key_powercut_0x6000.bin").toString(),
                "--json");
        assertThat(rows(dup.json())).containsExactlyInAnyOrder("ota_resumption/nvs_ota_wr_len/u16/512",
                "ota_resumption/nvs_ota_url/str/" + URL);
        Cli gc = Cli.run("nvs", Vectors.file("nvs/library/lib_cut_gc_w19.bin").toString(), "--json");
        assertThat(rows(gc.json())).containsExactlyInAnyOrder("ota_resumption/nvs_ota_wr_len/u16/248",
                "ota_resumption/nvs_ota_url/str/https://10.0.0.7/images/flota_demo_app.bin");
        Cli url = Cli.run("nvs", Vectors.file("nvs/library/lib_cut_urlchange_w27.bin").toString(), "--json");
        assertThat(rows(url.json())).containsExactlyInAnyOrder("ota_resumption/nvs_ota_wr_len/u16/6",
                "ota_resumption/nvs_ota_url/str/" + URL);
        Cli scalars = Cli.run("nvs", Vectors.file("nvs/generator/nvs_a_scalars_0x6000.bin").toString(), "--json");
        assertThat(rows(scalars.json())).contains("flota_types/i8_min/i8/-128", "flota_types/empty_str/str/",
                "flota_types/u64_max/u64/18446744073709551615", "flota_types/i64_min/i64/-9223372036854775808");
        Cli v1 = Cli.run("nvs", Vectors.file("nvs/generator/nvs_f_version1_0x3000.bin").toString(), "--json");
        assertThat(rows(v1.json())).contains("legacy/hexblob/blob/deadbeef0102");

        Path onePage = Vectors.file("nvs/espressif/part_old_blob_format.bin");
        Cli refused = Cli.run("nvs", onePage.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("ESP_ERR_NVS_NO_FREE_PAGES");
        Cli readOnly = Cli.run("nvs", onePage.toString(), "--read-only", "--json");
        assertThat(readOnly.exitCode()).as(readOnly.err()).isZero();
        assertThat(rows(readOnly.json())).contains("dummyNamespace/dummyU16Key/u16/32768",
                "dummyNamespace/dummyHex2BinKey/blob/010203abcdef");
    }

    private Path device() {
        Path flash = dir.resolve("device.bin");
        Path csv = dir.resolve("pt.csv");
        try {
            Files.writeString(csv, TABLE);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        Cli create = Cli.run("flash", "create", flash.toString(), "--size", "4MB", "--chip", "esp32c3",
                "--partitions", csv.toString());
        assertThat(create.exitCode()).as(create.err()).isZero();
        assertThat(PartitionTable.DEFAULT_OFFSET).isEqualTo(0x8000);
        return flash;
    }

    private static List<String> rows(JsonNode json) {
        List<String> out = new ArrayList<>();
        for (JsonNode e : json.get("entries")) {
            out.add(e.get("namespace").asText() + "/" + e.get("key").asText() + "/" + e.get("type").asText() + "/"
                    + e.get("value").asText());
        }
        return out;
    }
}
