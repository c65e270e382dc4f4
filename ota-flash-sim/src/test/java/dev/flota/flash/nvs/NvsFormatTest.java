package dev.flota.flash.nvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.otadata.EspCrc32;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The NVS format with data the test makes: spec test values, round trips, reclaim, refusals, damaged entries. */
class NvsFormatTest {

    private static final HexFormat HEX = HexFormat.of();
    private static final String URL = "https://192.168.1.10:8001/advanced_https_ota.bin";

    @Test
    void crcsAreEspRomCrc32WithTheSpecsTestValues() {
        assertThat(EspCrc32.crc32Le(0xFFFFFFFFL, "123456789".getBytes(StandardCharsets.US_ASCII)))
                .isEqualTo(0xD202D277L);
        assertThat(NvsPageHeader.of(NvsPageHeader.State.ACTIVE, 0).crc()).isEqualTo(0xB9BA2D84L);
        assertThat(NvsItem.integer(0, NvsType.U8, "ota_resumption", 1).crc()).isEqualTo(0xA813367FL);
        assertThat(NvsItem.integer(1, NvsType.U16, "nvs_ota_wr_len", 512).crc()).isEqualTo(0x52BC69AFL);
        NvsItem url = NvsItem.variableLength(1, NvsType.STR, "nvs_ota_url", 0xFF,
                (URL + "\0").getBytes(StandardCharsets.US_ASCII));
        assertThat(url.payloadCrc()).isEqualTo(0x16ED11C3L);
        assertThat(url.span()).isEqualTo(3);
        assertThat(url.payloadSize()).isEqualTo(49);
    }

    /** The byte-exact first journal save of spec section 11, identical from ESP-IDF's library and its generator. */
    @Test
    void firstJournalSaveIsByteExact() {
        NorFlash flash = NorFlash.inMemory(0x6000);
        NvsNamespace ns = NvsPartition.mount(flash, 0, 0x6000).open("ota_resumption");
        ns.setU16("nvs_ota_wr_len", 512);
        ns.setString("nvs_ota_url", URL);
        byte[] page = flash.read(0, 0xE0);
        String expected = "feffffff00000000fe" + "ff".repeat(19) + "842dbab9"
                + "aafe" + "ff".repeat(30)
                + "000101ff7f3613a8" + hex("ota_resumption\0\0") + "01" + "ff".repeat(7)
                + "010201ffaf69bc52" + hex("nvs_ota_wr_len\0\0") + "0002" + "ff".repeat(6)
                + "012103ff500add58" + hex("nvs_ota_url\0\0\0\0\0") + "3100ffffc311ed16"
                + hex("https://192.168.1.10:8001/advanc") + hex("ed_https_ota.bin") + "00" + "ff".repeat(15);
        assertThat(HEX.formatHex(page)).isEqualTo(expected);
        byte[] rest = flash.read(0xE0, 0x6000 - 0xE0);
        assertThat(rest).containsOnly((byte) 0xFF);
    }

    @Test
    void bitmapAndHeaderRoundTrip() {
        EntryStateBitmap bitmap = EntryStateBitmap.empty();
        for (int i = 0; i < 5; i++) {
            bitmap = bitmap.with(i, EntryStateBitmap.State.WRITTEN);
        }
        assertThat(HEX.formatHex(bitmap.encode(), 0, 2)).isEqualTo("aafe");
        bitmap = bitmap.with(1, EntryStateBitmap.State.ERASED).with(125, EntryStateBitmap.State.ERASED)
                .with(124, EntryStateBitmap.State.ERASED);
        assertThat(HEX.formatHex(bitmap.encode(), 0, 1)).isEqualTo("a2");
        assertThat(bitmap.encode()[31]).isEqualTo((byte) 0xF0);
        assertThat(EntryStateBitmap.parse(bitmap.encode(), 0)).isEqualTo(bitmap);
        assertThat(bitmap.count(EntryStateBitmap.State.WRITTEN)).isEqualTo(4);
        NvsPageHeader full = NvsPageHeader.of(NvsPageHeader.State.ACTIVE, 7).withState(NvsPageHeader.State.FULL);
        NvsPageHeader parsed = NvsPageHeader.parse(full.encode(), 0);
        assertThat(parsed).isEqualTo(full);
        assertThat(parsed.state()).isEqualTo(NvsPageHeader.State.FULL);
        assertThat(parsed.crcValid()).isTrue();
        NvsItem item = NvsItem.blobIndex(3, "cfg", 5000, 2, 0x80);
        assertThat(NvsItem.parse(item.encode(), 0)).isEqualTo(item);
        assertThat(item.consistentAt(125)).isTrue();
        assertThat(NvsItem.variableLength(1, NvsType.STR, "k", 0xFF, new byte[100]).consistentAt(122)).isFalse();
    }

    @Test
    void everyTypeRoundTripsThroughFlashAndAnImage() {
        NorFlash flash = NorFlash.inMemory(0x8000);
        NvsPartition nvs = NvsPartition.mount(flash, 0, 0x8000);
        Map<String, NvsValue> values = new LinkedHashMap<>();
        values.put("u8", NvsValue.u8(255));
        values.put("i8", NvsValue.integer(NvsType.I8, -128));
        values.put("u16", NvsValue.u16(65535));
        values.put("i16", NvsValue.integer(NvsType.I16, -32768));
        values.put("u32", NvsValue.u32(4294967295L));
        values.put("i32", NvsValue.i32(Integer.MIN_VALUE));
        values.put("u64", NvsValue.u64(-1L));
        values.put("i64", NvsValue.i64(Long.MIN_VALUE));
        values.put("empty", NvsValue.str(""));
        values.put("text", NvsValue.str("x".repeat(3999)));
        values.put("small", NvsValue.blob(new byte[] {1, 2, 3}));
        values.put("big", NvsValue.blob(random(9000, 1)));
        NvsNamespace ns = nvs.open("types");
        values.forEach(ns::set);
        nvs.open("second").setString("u8", "same key, other namespace");
        for (NvsPartition again : List.of(NvsPartition.mount(flash, 0, 0x8000),
                NvsPartition.read(flash.read(0, 0x8000)))) {
            NvsNamespace types = again.find("types").orElseThrow();
            values.forEach((k, v) -> assertThat(types.get(k, v.type())).as(k).contains(v));
            assertThat(again.find("second").orElseThrow().getString("u8")).contains("same key, other namespace");
            assertThat(again.entries()).hasSize(values.size() + 1);
            assertThat(types.get("u8", NvsType.U16)).as("another type is NOT_FOUND").isEmpty();
        }
        assertThat(values.get("u64").bigIntegerValue().toString()).isEqualTo("18446744073709551615");
    }

    @Test
    void sameValueWritesNothingAndTypeChangeReplaces() {
        NorFlash flash = NorFlash.inMemory(0x3000);
        NvsNamespace ns = NvsPartition.mount(flash, 0, 0x3000).open("n");
        ns.setU16("k", 7);
        ns.setBlob("b", random(5000, 2));
        long ops = flash.stats().mutatingOperations();
        ns.setU16("k", 7);
        ns.setBlob("b", random(5000, 2));
        assertThat(flash.stats().mutatingOperations()).isEqualTo(ops);
        ns.setU32("k", 8);
        NvsNamespace again = NvsPartition.mount(flash, 0, 0x3000).find("n").orElseThrow();
        assertThat(again.getU16("k")).isEmpty();
        assertThat(again.getU32("k")).hasValue(8);
        assertThat(again.erase("k")).isTrue();
        assertThat(again.erase("k")).isFalse();
        again.eraseAll();
        NvsPartition last = NvsPartition.mount(flash, 0, 0x3000);
        assertThat(last.entries()).isEmpty();
        assertThat(last.namespaces()).containsEntry("n", 1);
        assertThat(last.stats().usedEntries()).isEqualTo(1);
    }

    @Test
    void blobRewriteTogglesTheChunkVersion() {
        NorFlash flash = NorFlash.inMemory(0x4000);
        NvsNamespace ns = NvsPartition.mount(flash, 0, 0x4000).open("n");
        for (int i = 1; i <= 6; i++) {
            ns.setBlob("b", random(4500, i));
            assertThat(NvsPartition.mount(flash, 0, 0x4000).open("n").getBlob("b")).hasValue(random(4500, i));
            assertThat(liveBlobIndexStarts(flash.read(0, 0x4000))).containsExactly(i % 2 == 1 ? 0x00 : 0x80);
        }
    }

    private static List<Integer> liveBlobIndexStarts(byte[] image) {
        List<Integer> starts = new java.util.ArrayList<>();
        for (int page = 0; page < image.length; page += 4096) {
            EntryStateBitmap bitmap = EntryStateBitmap.parse(image, page + 32);
            for (int i = 0; i < EntryStateBitmap.ENTRIES; i++) {
                NvsItem item = NvsItem.parse(image, page + 64 + 32 * i);
                if (bitmap.get(i) == EntryStateBitmap.State.WRITTEN && item.typeCode() == NvsType.BLOB_IDX.code()
                        && item.crcValid()) {
                    starts.add(item.blobChunkStart());
                }
            }
        }
        return starts;
    }

    @Test
    void manyUpdatesReclaimPagesAndKeepOneFree() {
        NorFlash flash = NorFlash.inMemory(0x3000);
        NvsNamespace ns = NvsPartition.mount(flash, 0, 0x3000).open("ota_resumption");
        ns.setString("nvs_ota_url", URL);
        for (int k = 0; k < 2000; k++) {
            ns.setU16("nvs_ota_wr_len", k);
            ns.setU32("c" + (k % 20), k);
        }
        assertThat(flash.stats().sectorErases()).isGreaterThan(10);
        NvsPartition again = NvsPartition.mount(flash, 0, 0x3000);
        NvsNamespace r = again.find("ota_resumption").orElseThrow();
        assertThat(r.getU16("nvs_ota_wr_len")).hasValue(1999);
        assertThat(r.getString("nvs_ota_url")).contains(URL);
        for (int c = 0; c < 20; c++) {
            assertThat(r.getU32("c" + c)).hasValue(1980 + c);
        }
        int emptyPages = 0;
        for (int p = 0; p < 3; p++) {
            byte[] sector = flash.read(p * 4096L, 4096);
            boolean blank = true;
            for (byte b : sector) {
                blank &= b == (byte) 0xFF;
            }
            emptyPages += blank ? 1 : 0;
        }
        assertThat(emptyPages).as("one page is always kept free").isGreaterThanOrEqualTo(1);
        assertThat(again.stats().usedEntries()).isEqualTo(2 + 3 + 20);
    }

    /** A cut just before the old copy is erased leaves two live copies; the newer is the one a mount keeps. */
    @Test
    void newerCopyWinsOnThePageAndAcrossPages() {
        for (int steps : new int[] {10, 122}) {
            NorFlash flash = NorFlash.inMemory(0x6000);
            NvsNamespace ns = NvsPartition.mount(flash, 0, 0x6000).open("ota_resumption");
            ns.setString("nvs_ota_url", URL);
            for (int k = 1; k <= steps; k++) {
                ns.setU16("nvs_ota_wr_len", k);
            }
            int opsBeforeOldErase = steps == 10 ? 2 : 4;
            flash.faults().cutPowerAfterOperations(opsBeforeOldErase);
            assertThatThrownBy(() -> ns.setU16("nvs_ota_wr_len", steps + 1)).isInstanceOf(
                    dev.flota.flash.nor.FlashException.class);
            flash.powerCycle();
            int readOnly = NvsPartition.read(flash.read(0, 0x6000), NvsPartition.Mode.READ_ONLY)
                    .find("ota_resumption").orElseThrow().getU16("nvs_ota_wr_len").orElseThrow();
            assertThat(readOnly).as("NVS_READONLY resolves only duplicates on the ACTIVE page")
                    .isEqualTo(steps == 10 ? steps + 1 : steps);
            assertThat(NvsPartition.mount(flash, 0, 0x6000).open("ota_resumption").getU16("nvs_ota_wr_len"))
                    .as("after %d steps", steps).hasValue(steps + 1);
        }
    }

    @Test
    void refusesWhatEspIdfRefuses() {
        byte[] image = new byte[0x3000];
        Arrays.fill(image, (byte) 0xFF);
        byte[] header = NvsPageHeader.of(NvsPageHeader.State.ACTIVE, 0).encode();
        header[8] = (byte) 0xFD;
        long crc = NvsPageHeader.crcOf(header, 0);
        header[28] = (byte) crc;
        header[29] = (byte) (crc >>> 8);
        header[30] = (byte) (crc >>> 16);
        header[31] = (byte) (crc >>> 24);
        System.arraycopy(header, 0, image, 0x1000, 32);
        assertThatThrownBy(() -> NvsPartition.read(image)).isInstanceOfSatisfying(NvsException.class,
                e -> assertThat(e.error()).isEqualTo(NvsException.Error.NEW_VERSION_FOUND))
                .hasMessageContaining("0xfd");
        header[28] ^= 1;
        System.arraycopy(header, 0, image, 0x1000, 32);
        assertThat(NvsPartition.read(image).entries()).as("a bad header CRC is a corrupt, free page").isEmpty();
        assertThatThrownBy(() -> NvsPartition.read(new byte[100])).isInstanceOfSatisfying(NvsException.class,
                e -> assertThat(e.error()).isEqualTo(NvsException.Error.INVALID_SIZE));
        NorFlash flash = NorFlash.inMemory(0x2000);
        NvsNamespace ns = NvsPartition.mount(flash, 0, 0x2000).open("n");
        assertThatThrownBy(() -> ns.setBlob("b", new byte[4001])).isInstanceOf(NvsException.class);
        assertThatThrownBy(() -> ns.setU8("sixteen_chars_xx", 1)).isInstanceOfSatisfying(NvsException.class,
                e -> assertThat(e.error()).isEqualTo(NvsException.Error.KEY_TOO_LONG));
        byte[] onePage = flash.read(0, 0x1000);
        assertThatThrownBy(() -> NvsPartition.read(onePage)).isInstanceOfSatisfying(NvsException.class,
                e -> assertThat(e.error()).isEqualTo(NvsException.Error.NO_FREE_PAGES));
        assertThat(NvsPartition.read(onePage, NvsPartition.Mode.READ_ONLY).namespaces()).containsKey("n");
        assertThatThrownBy(() -> NvsPartition.read(onePage, NvsPartition.Mode.READ_ONLY).open("x"))
                .isInstanceOfSatisfying(NvsException.class,
                        e -> assertThat(e.error()).isEqualTo(NvsException.Error.READ_ONLY));
    }

    @Test
    void damagedEntriesAreIgnoredAsEspIdfIgnoresThem() {
        NorFlash flash = NorFlash.inMemory(0x3000);
        NvsNamespace ns = NvsPartition.mount(flash, 0, 0x3000).open("n");
        ns.setU32("a", 1);
        ns.setString("s", "payload");
        ns.setU32("b", 2);
        byte[] image = flash.read(0, 0x3000);
        byte[] badCrc = image.clone();
        badCrc[0x60 + 24] ^= 1;
        NvsNamespace r = NvsPartition.read(badCrc).find("n").orElseThrow();
        assertThat(r.getU32("a")).isEmpty();
        assertThat(r.getU32("b")).hasValue(2);
        byte[] badPayload = image.clone();
        badPayload[0xA0] ^= 1;
        r = NvsPartition.read(badPayload).find("n").orElseThrow();
        assertThat(r.getString("s")).as("payload CRC mismatch is NOT_FOUND").isEmpty();
        assertThat(r.getU32("b")).hasValue(2);
        byte[] badKeyPadding = image.clone();
        badKeyPadding[0x60 + 8 + 10] = 1;
        long crc = NvsItem.parse(badKeyPadding, 0x60).computeCrc();
        for (int i = 0; i < 4; i++) {
            badKeyPadding[0x60 + 4 + i] = (byte) (crc >>> (8 * i));
        }
        assertThat(NvsItem.parse(badKeyPadding, 0x60).crcValid()).isTrue();
        assertThat(NvsPartition.read(badKeyPadding).find("n").orElseThrow().getU32("a"))
                .as("a key not zero-padded is never found").isEmpty();
    }

    @Test
    void randomWorkloadMatchesAModel() {
        Random random = new Random(42);
        NorFlash flash = NorFlash.inMemory(0x5000);
        Map<String, NvsValue> model = new LinkedHashMap<>();
        int full = 0;
        for (int round = 0; round < 600; round++) {
            NvsNamespace ns = NvsPartition.mount(flash, 0, 0x5000).open("ns" + random.nextInt(3));
            String key = "k" + random.nextInt(12);
            String id = ns.name() + "/" + key;
            int what = random.nextInt(10);
            if (what == 0) {
                ns.erase(key);
                model.remove(id);
                continue;
            }
            NvsValue v = switch (what % 4) {
                case 0 -> NvsValue.u16(random.nextInt(65536));
                case 1 -> NvsValue.i64(random.nextLong());
                case 2 -> NvsValue.str("s".repeat(random.nextInt(300)));
                default -> NvsValue.blob(random(random.nextInt(2500), round));
            };
            try {
                ns.set(key, v);
                model.put(id, v);
            } catch (NvsException e) {
                assertThat(e.error()).isEqualTo(NvsException.Error.NOT_ENOUGH_SPACE);
                full++;
            }
        }
        assertThat(full).as("the workload fills the partition at times").isPositive();
        Map<String, NvsValue> actual = new LinkedHashMap<>();
        for (NvsEntry e : NvsPartition.mount(flash, 0, 0x5000).entries()) {
            assertThat(actual.put(e.namespace() + "/" + e.key(), e.value())).isNull();
        }
        assertThat(actual).isEqualTo(model);
    }

    private static String hex(String ascii) {
        return HEX.formatHex(ascii.getBytes(StandardCharsets.US_ASCII));
    }

    private static byte[] random(int n, int seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }
}
