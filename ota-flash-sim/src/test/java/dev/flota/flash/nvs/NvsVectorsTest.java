package dev.flota.flash.nvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.Vectors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every NVS vector in {@code ../shared/vectors/nvs} reads to what ESP-IDF v6.0.2's own library returns
 * ({@code .library_read.json}, {@code .expected.json}); Flota's writer reproduces the generator's images byte for
 * byte; Flota's read/write mount writes the recovery the library wrote ({@code .after_reboot.bin}).
 */
class NvsVectorsTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest
    @ValueSource(strings = {"nvs_a_scalars_0x6000", "nvs_b_two_ns_blob_longstr_0x6000",
            "nvs_c_ota_resumption_mid_update_0x6000", "nvs_d_multipage_0x10000",
            "nvs_e_duplicate_key_powercut_0x6000", "nvs_f_version1_0x3000"})
    void generatorImagesReadAsTheLibraryReadsThem(String name) throws IOException {
        Map<String, Object> expected = json("nvs/generator/" + name + ".library_read.json");
        assertThat(expected.get("init")).isEqualTo("0x0");
        for (String file : images("generator/" + name)) {
            List<NvsEntry> entries = NvsPartition.read(Vectors.bytes(file)).entries();
            assertThat(asLibraryItems(entries)).as(file).isEqualTo(byKey(list(expected.get("items"))));
        }
    }

    /** The image and, when the vectors have it, the image after the library's mount: both read the same. */
    private static List<String> images(String name) {
        String after = "nvs/" + name + ".after_reboot.bin";
        return Files.isRegularFile(Vectors.root().resolve(after)) ? List.of("nvs/" + name + ".bin", after)
                : List.of("nvs/" + name + ".bin");
    }

    @ParameterizedTest
    @ValueSource(strings = {"lib_ota_progress_512k_0x6000", "lib_ota_after_erase_all_0x6000",
            "lib_cut_samepage_w4", "lib_cut_samepage_w8", "lib_cut_samepage_w9", "lib_cut_crosspage_w18",
            "lib_cut_gc_w19", "lib_cut_urlchange_w27"})
    void libraryImagesGiveTheJournalTheLibraryRead(String name) throws IOException {
        Map<String, Object> expected = json("nvs/library/" + name + ".expected.json");
        for (String file : images("library/" + name)) {
            checkJournal(NvsPartition.read(Vectors.bytes(file)), expected);
        }
    }

    private static void checkJournal(NvsPartition nvs, Map<String, Object> expected) {
        NvsNamespace ns = nvs.find("ota_resumption").orElseThrow();
        assertThat((long) ns.index()).isEqualTo(expected.get("namespace_index"));
        Map<String, Object> wrLen = map(expected.get("nvs_ota_wr_len"));
        if (wrLen.containsKey("err")) {
            assertThat(wrLen.get("err")).isEqualTo("0x1102");
            assertThat(ns.getU16("nvs_ota_wr_len")).isEmpty();
        } else {
            assertThat((long) ns.getU16("nvs_ota_wr_len").orElseThrow()).isEqualTo(wrLen.get("value"));
        }
        Map<String, Object> url = map(expected.get("nvs_ota_url"));
        if (url.containsKey("err")) {
            assertThat(ns.getString("nvs_ota_url")).isEmpty();
        } else {
            assertThat(ns.getString("nvs_ota_url")).contains((String) url.get("value"));
        }
        Map<String, Object> stats = map(expected.get("stats"));
        NvsPartition.Stats s = nvs.stats();
        assertThat(List.<Object>of((long) s.usedEntries(), (long) s.freeEntries(), (long) s.availableEntries(),
                (long) s.totalEntries(), (long) s.namespaceCount())).containsExactly(stats.get("used_entries"),
                stats.get("free_entries"), stats.get("available_entries"), stats.get("total_entries"),
                stats.get("namespace_count"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"library/lib_cut_samepage_w4", "library/lib_cut_samepage_w8",
            "library/lib_cut_samepage_w9", "library/lib_cut_crosspage_w18", "library/lib_cut_gc_w19",
            "library/lib_cut_urlchange_w27", "generator/nvs_e_duplicate_key_powercut_0x6000"})
    void mountingWritesTheRecoveryTheLibraryWrote(String name) {
        byte[] before = Vectors.bytes("nvs/" + name + ".bin");
        byte[] after = Vectors.bytes("nvs/" + name + ".after_reboot.bin");
        NorFlash flash = NorFlash.inMemory(before.length);
        flash.program(0, before);
        NvsPartition.mount(flash, 0, before.length);
        assertThat(HexFormat.of().formatHex(flash.read(0, before.length)))
                .isEqualTo(HexFormat.of().formatHex(after));
        NorFlash again = NorFlash.inMemory(after.length);
        again.program(0, after);
        long ops = again.stats().mutatingOperations();
        NvsPartition.mount(again, 0, after.length);
        assertThat(again.stats().mutatingOperations()).as("a recovered partition mounts without writing")
                .isEqualTo(ops);
    }

    @ParameterizedTest
    @ValueSource(strings = {"a_scalars:nvs_a_scalars_0x6000:24576", "b_two_ns:nvs_b_two_ns_blob_longstr_0x6000:24576",
            "c_ota_resumption:nvs_c_ota_resumption_mid_update_0x6000:24576",
            "d_multipage:nvs_d_multipage_0x10000:65536"})
    void flotaWritesTheGeneratorsBytes(String spec) {
        String[] s = spec.split(":");
        Path csv = Vectors.file("nvs/generator/" + s[0] + ".csv");
        byte[] ours = GeneratorCsv.write(csv, Integer.parseInt(s[2]));
        byte[] theirs = Vectors.bytes("nvs/generator/" + s[1] + ".bin");
        for (int page = 0; page < theirs.length / 4096; page++) {
            assertThat(HexFormat.of().formatHex(Arrays.copyOfRange(ours, page * 4096, page * 4096 + 4096)))
                    .as("page %d of %s", page, s[1])
                    .isEqualTo(HexFormat.of().formatHex(Arrays.copyOfRange(theirs, page * 4096, page * 4096 + 4096)));
        }
    }

    @Test
    void espressifsOldBlobPageReadsInAThreePagePartitionAndAloneOnlyReadOnly() {
        byte[] page = Vectors.bytes("nvs/espressif/part_old_blob_format.bin");
        assertThatThrownBy(() -> NvsPartition.read(page)).isInstanceOfSatisfying(NvsException.class,
                e -> assertThat(e.error()).isEqualTo(NvsException.Error.NO_FREE_PAGES));
        byte[] padded = new byte[0x3000];
        Arrays.fill(padded, (byte) 0xFF);
        System.arraycopy(page, 0, padded, 0, page.length);
        Map<String, String> expected = new LinkedHashMap<>();
        expected.put("dummyU8Key", "u8:127");
        expected.put("dummyI8Key", "i8:-128");
        expected.put("dummyU16Key", "u16:32768");
        expected.put("dummyU32Key", "u32:4294967295");
        expected.put("dummyI32Key", "i32:-2147483648");
        expected.put("dummyStringKey", "str:0A:0B:0C:0D:0E:0F");
        expected.put("dummyHex2BinKey", "blob:010203abcdef");
        expected.put("dummyBase64Key", "blob:" + HexFormat.of().formatHex("123abc".getBytes()));
        expected.put("hexFileKey", "blob:0123456789abcdef");
        expected.put("base64FileKey", "blob:010203040506070809abcdef");
        expected.put("stringFileKey", "str:abcdefghijklmnopqrstuvwxyz");
        expected.put("binFileKey", "blob:010203040506070809abcdef");
        for (NvsPartition nvs : List.of(NvsPartition.read(padded), NvsPartition.read(page,
                NvsPartition.Mode.READ_ONLY))) {
            Map<String, String> actual = new LinkedHashMap<>();
            for (NvsEntry e : nvs.entries()) {
                assertThat(e.namespace()).isEqualTo("dummyNamespace");
                actual.put(e.key(), e.value().toString());
            }
            assertThat(actual).isEqualTo(expected);
        }
    }

    @Test
    void everyVectorImageMountsOrIsRefusedWithAReason() throws IOException {
        try (Stream<Path> files = Files.walk(Vectors.root().resolve("nvs"))) {
            List<Path> images = files.filter(p -> p.toString().endsWith(".bin")
                    && !p.getFileName().toString().startsWith("blob_")).toList();
            assertThat(images).hasSizeGreaterThanOrEqualTo(22);
            for (Path p : images) {
                byte[] image = Files.readAllBytes(p);
                try {
                    NvsPartition.read(image).entries();
                    NvsPartition.read(image, NvsPartition.Mode.READ_ONLY).entries();
                } catch (NvsException e) {
                    assertThat(p.getFileName().toString()).isEqualTo("part_old_blob_format.bin");
                }
            }
        }
    }

    /** Library items as "ns/key" → "type:value" with strings and blobs as their bytes without the string's NUL. */
    private static Map<String, String> byKey(List<Object> items) {
        Map<String, String> out = new LinkedHashMap<>();
        for (Object o : items) {
            Map<String, Object> item = map(o);
            String type = (String) item.get("type");
            String value;
            if (item.containsKey("value")) {
                value = String.valueOf(item.get("value"));
            } else {
                String hex = (String) item.get("hex");
                assertThat((long) hex.length()).isEqualTo(2 * (long) item.get("size"));
                value = type.equals("str") ? new String(HexFormat.of().parseHex(hex.substring(0, hex.length() - 2)))
                        : hex;
            }
            out.put(item.get("namespace") + "/" + item.get("key"), type + ":" + value);
        }
        return out;
    }

    private static Map<String, String> asLibraryItems(List<NvsEntry> entries) {
        Map<String, String> out = new LinkedHashMap<>();
        for (NvsEntry e : entries) {
            String value = e.value().type().isInteger() ? e.value().bigIntegerValue().toString()
                    : e.value().display();
            assertThat(out.put(e.namespace() + "/" + e.key(), e.typeName() + ":" + value)).as("one value per key")
                    .isNull();
        }
        return out;
    }

    private static Map<String, Object> json(String relative) throws IOException {
        return map(plain(JSON.readTree(Files.readString(Vectors.file(relative)))));
    }

    /** A JSON tree as maps, lists, strings and numbers: integers as Long, or BigInteger beyond 64 bits (u64). */
    private static Object plain(JsonNode node) {
        if (node.isObject()) {
            Map<String, Object> out = new LinkedHashMap<>();
            node.fields().forEachRemaining(f -> out.put(f.getKey(), plain(f.getValue())));
            return out;
        }
        if (node.isArray()) {
            List<Object> out = new java.util.ArrayList<>();
            node.forEach(item -> out.add(plain(item)));
            return out;
        }
        if (node.isIntegralNumber()) {
            return node.canConvertToLong() ? (Object) node.asLong() : node.bigIntegerValue();
        }
        if (node.isNumber()) {
            return node.doubleValue();
        }
        return node.isNull() ? null : node.isBoolean() ? (Object) node.asBoolean() : node.asText();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static List<Object> list(Object o) {
        return (List<Object>) o;
    }
}
