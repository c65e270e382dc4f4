package dev.flota.flash.nvs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.TestDevices;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Cuts the power at every flash operation (and, for the small writes, after every programmed byte) of NVS writes as
 * the OTA journal makes them, remounts, and checks each key holds its old value or its new one, every other key is
 * untouched, and the partition still takes writes.
 */
class NvsPowerCutTest {

    private static final int SIZE = 0x6000;
    private static final String NS = "ota_resumption";
    private static final String URL_A = "https://192.168.1.10:8001/advanced_https_ota.bin";
    private static final String URL_B = "https://ota.example.com:8443/fw/flota-app-v2.3.1.bin?token=abc123";

    @Test
    void u16UpdateOnTheSamePage() {
        NorFlash start = journal(SIZE, 5, URL_A);
        int covered = cutEverywhere(start, SIZE, ns -> ns.setU16("nvs_ota_wr_len", 6), true);
        System.out.println("NvsPowerCutTest: u16 update, " + covered + " cut points covered");
        assertThat(covered).isGreaterThanOrEqualTo(3 + 40);
    }

    @Test
    void firstJournalSave() {
        NorFlash start = NorFlash.inMemory(SIZE);
        NvsPartition.mount(start, 0, SIZE).open(NS);
        int covered = cutEverywhere(start, SIZE, ns -> {
            ns.setU16("nvs_ota_wr_len", 512);
            ns.setString("nvs_ota_url", URL_A);
        }, true);
        System.out.println("NvsPowerCutTest: first journal save (u16 + URL), " + covered + " cut points covered");
        assertThat(covered).isGreaterThan(100);
    }

    @Test
    void urlChangeAndErase() {
        NorFlash start = journal(SIZE, 5, URL_A);
        int covered = cutEverywhere(start, SIZE, ns -> ns.setString("nvs_ota_url", URL_B), true);
        covered += cutEverywhere(start, SIZE, NvsNamespace::eraseAll, true);
        System.out.println("NvsPowerCutTest: URL change, erase_all, " + covered + " cut points covered");
        assertThat(covered).isGreaterThan(100);
    }

    @Test
    void updateThatClosesThePage() {
        NorFlash start = journal(SIZE, 122, URL_A);
        int covered = cutEverywhere(start, SIZE, ns -> ns.setU16("nvs_ota_wr_len", 123), true);
        System.out.println("NvsPowerCutTest: update onto a new page, " + covered + " cut points covered");
        assertThat(covered).isGreaterThanOrEqualTo(5);
    }

    @Test
    void updateThatReclaimsAPage() {
        int size = 0x3000;
        int steps = 1;
        NorFlash start = journal(size, steps, URL_A);
        while (!reclaims(start, size, steps + 1)) {
            NvsNamespace ns = NvsPartition.mount(start, 0, size).open(NS);
            ns.setU16("nvs_ota_wr_len", ++steps);
            if (steps % 4 == 0 && steps < 200) {
                ns.setU32("live" + steps, steps);
            }
        }
        int next = steps + 1;
        int covered = cutEverywhere(start, size, ns -> ns.setU16("nvs_ota_wr_len", next), false);
        System.out.println("NvsPowerCutTest: update with page reclaim (after " + steps + " steps), " + covered
                + " cut points covered");
        assertThat(covered).isGreaterThan(20);
        NorFlash after = TestDevices.copy(start);
        NvsPartition.mount(after, 0, size).open(NS).setU16("nvs_ota_wr_len", next);
        assertThat(after.stats().sectorErases()).isEqualTo(1);
    }

    @Test
    void multiPageBlobRewrite() {
        int size = 0x5000;
        NorFlash start = journal(size, 300, URL_A);
        NvsPartition.mount(start, 0, size).open(NS).setBlob("state", pattern(6000, 1));
        int covered = cutEverywhere(start, size, ns -> ns.setBlob("state", pattern(6000, 2)), false);
        NorFlash after = TestDevices.copy(start);
        NvsPartition.mount(after, 0, size).open(NS).setBlob("state", pattern(6000, 2));
        assertThat(after.stats().sectorErases()).as("the rewrite reclaims a page").isPositive();
        System.out.println("NvsPowerCutTest: 6000-byte blob rewrite (with reclaim), " + covered
                + " cut points covered");
        assertThat(covered).isGreaterThan(50);
    }

    /** The journal after {@code steps} KiB saves as advanced_https_ota makes them. */
    private static NorFlash journal(int size, int steps, String url) {
        NorFlash flash = NorFlash.inMemory(size);
        NvsNamespace ns = NvsPartition.mount(flash, 0, size).open(NS);
        NvsPartition.mount(flash, 0, size).open("other").setU32("boot_count", 42);
        ns = NvsPartition.mount(flash, 0, size).open(NS);
        for (int k = 1; k <= steps; k++) {
            ns.setU16("nvs_ota_wr_len", k);
            if (k == 1) {
                ns.setString("nvs_ota_url", url);
            }
        }
        return flash;
    }

    private static boolean reclaims(NorFlash flash, int size, int value) {
        NorFlash copy = TestDevices.copy(flash);
        long erases = copy.stats().sectorErases();
        NvsPartition.mount(copy, 0, size).open(NS).setU16("nvs_ota_wr_len", value);
        return copy.stats().sectorErases() > erases;
    }

    /**
     * Runs {@code write} once to learn its operations and the new content, then once per operation with the power cut
     * there (and, when {@code bytes}, once per programmed byte). Returns how many cuts were covered.
     */
    private static int cutEverywhere(NorFlash start, int size, Consumer<NvsNamespace> write, boolean bytes) {
        Map<String, String> before = content(start, size);
        NorFlash reference = TestDevices.copy(start);
        long ops0 = reference.stats().mutatingOperations();
        long bytes0 = reference.stats().bytesProgrammed();
        write.accept(NvsPartition.mount(reference, 0, size).open(NS));
        long operations = reference.stats().mutatingOperations() - ops0;
        long programmed = reference.stats().bytesProgrammed() - bytes0;
        Map<String, String> after = content(reference, size);
        assertThat(after).isNotEqualTo(before);
        int covered = 0;
        for (long k = 0; k < operations; k++) {
            NorFlash flash = TestDevices.copy(start);
            flash.faults().cutPowerAfterOperations(k);
            covered += cutAndCheck(flash, size, write, before, after, "operation " + k + " of " + operations);
        }
        for (long b = 0; bytes && b < programmed; b++) {
            NorFlash flash = TestDevices.copy(start);
            flash.faults().cutPowerAfterBytes(b);
            covered += cutAndCheck(flash, size, write, before, after, "byte " + b + " of " + programmed);
        }
        return covered;
    }

    private static int cutAndCheck(NorFlash flash, int size, Consumer<NvsNamespace> write,
            Map<String, String> before, Map<String, String> after, String where) {
        assertThatThrownBy(() -> write.accept(NvsPartition.mount(flash, 0, size).open(NS))).as(where)
                .isInstanceOfSatisfying(FlashException.class,
                        e -> assertThat(e.error()).isEqualTo(FlashError.POWER_LOST));
        flash.powerCycle();
        Map<String, String> now = content(flash, size);
        for (String key : union(before, after)) {
            assertThat(now.get(key)).as("%s after a cut at %s", key, where).isIn(before.get(key), after.get(key));
        }
        assertThat(now.keySet()).as(where).isSubsetOf(union(before, after));
        assertThat(content(flash, size)).as("a second mount after the cut at %s", where).isEqualTo(now);
        NvsNamespace ns = NvsPartition.mount(flash, 0, size).open(NS);
        ns.setString("probe", "still writable");
        assertThat(NvsPartition.mount(flash, 0, size).open(NS).getString("probe")).as(where)
                .contains("still writable");
        return 1;
    }

    private static java.util.Set<String> union(Map<String, String> a, Map<String, String> b) {
        java.util.Set<String> keys = new java.util.TreeSet<>(a.keySet());
        keys.addAll(b.keySet());
        return keys;
    }

    private static Map<String, String> content(NorFlash flash, int size) {
        Map<String, String> out = new LinkedHashMap<>();
        for (NvsEntry e : NvsPartition.mount(flash, 0, size).entries()) {
            out.put(e.namespace() + "/" + e.key(), e.value().toString());
        }
        return out;
    }

    private static byte[] pattern(int n, int seed) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (i * 7 + seed * 13);
        }
        return Arrays.copyOf(b, n);
    }
}
