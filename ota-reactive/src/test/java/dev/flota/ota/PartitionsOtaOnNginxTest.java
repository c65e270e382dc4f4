package dev.flota.ota;

import static dev.flota.ota.Conformance.TLS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.sim.SimulatedTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ESP-IDF's {@code partitions_ota} example (spec sections 9 and 11.5) through {@link HttpsOta} against a real nginx
 * over TLS: a new bootloader and a new partition table, each downloaded into the passive OTA slot (staging), verified
 * as what its final partition holds and copied there ({@code partitions("ota_1", final, true)}); the device then
 * resets, its ROM loads the bootloader in flash, and it boots. Then the power is cut at every flash operation of each
 * copy, and the device reset.
 *
 * <p>ESP-IDF is not power-safe there and says so ({@code partitions_ota} README: "If the final copying to the
 * destination partition is interrupted, the chip may fail to boot"): {@code esp_partition_copy} erases the final
 * partition, then programs it, and the simulator's copy does the same operations in the same order. What ESP-IDF does
 * guarantee is asserted at every cut: the update fails, nothing but the final partition changed (the apps, otadata
 * and the staging partition holding the verified image are as they were), and a device that boots runs a whole
 * bootloader, old or new, with the old table, the new one, or the new one's first entries with the last one torn in
 * its label or flags: ESP-IDF's table check reads only each entry's magic, offset and size and needs no MD5 entry, so
 * it takes such a torn table too (the simulator's check is the same). Only a chip whose ROM has the recovery
 * bootloader (the ESP32-C5 here), with the old bootloader backed up into the recovery partition first, boots after
 * every cut of a bootloader copy. Each test prints how many cut points it covered and what they left.
 */
class PartitionsOtaOnNginxTest {

    private static final long RECOVERY = 0xF0000;
    private static final byte[] OLD_BOOTLOADER = TestImages.bootloader(Chip.ESP32_C3, 1, 6000);
    private static final byte[] NEW_BOOTLOADER = TestImages.bootloader(Chip.ESP32_C3, 2, 6000);
    private static final String NEW_TABLE_CSV = TestDevices.WITH_BOOTLOADER_ENTRIES
            + "storage,  data, undefined, 0xd0000, 0x30000,\n";
    private static final PartitionTable NEW_TABLE = TestDevices.table(NEW_TABLE_CSV);

    @TempDir
    static Path dir;

    private static NginxServer.Running nginx;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(NginxServer.available(), "nginx is not installed: the partitions OTA tests are SKIPPED");
        Files.write(dir.resolve("bootloader.bin"), NEW_BOOTLOADER);
        Files.write(dir.resolve("partition-table.bin"), NEW_TABLE.encode(true));
        Files.write(dir.resolve("bootloader-c5.bin"), TestImages.bootloader(Chip.ESP32_C5, 2, 6000));
        nginx = NginxServer.create().directory(dir).tls(TLS.serverCertPem(), TLS.serverKeyPem()).startNow();
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    @Test
    void aNewBootloaderIsStagedVerifiedCopiedAndBooted() {
        Device device = c3().device();
        Conformance.Outcome outcome = c3().update(SimulatedTarget.of(device), "bootloader.bin", "PrimaryBTLDR");
        assertThat(outcome.failure()).as("failure").isNull();
        assertThat(outcome.events()).anyMatch(e -> e instanceof OtaEvent.ImageDescriptionRead read
                && read.bootloader().map(b -> b.version() == 2).orElse(false))
                .noneMatch(e -> e instanceof OtaEvent.BootPartitionUpdated)
                .last().isInstanceOf(OtaEvent.Finished.class);
        assertThat(device.flash().read(0, NEW_BOOTLOADER.length)).isEqualTo(NEW_BOOTLOADER);

        BootResult boot = device.reboot();
        assertThat(boot.skipped()).as("the ROM loaded the new bootloader").isEmpty();
        assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("1.0");
        assertThat(OtaOperations.on(device).getBootloaderDescription().orElseThrow().version()).isEqualTo(2);
    }

    @Test
    void aNewPartitionTableIsStagedVerifiedCopiedAndBooted() {
        Device device = c3().device();
        Conformance.Outcome outcome = c3().update(SimulatedTarget.of(device), "partition-table.bin",
                "PrimaryPrtTable");
        assertThat(outcome.failure()).as("failure").isNull();
        assertThat(outcome.events()).noneMatch(e -> e instanceof OtaEvent.BootPartitionUpdated)
                .last().isInstanceOf(OtaEvent.Finished.class);
        assertThat(device.partitionTable().find("storage")).as("the table read at the last boot").isEmpty();

        BootResult boot = device.reboot();
        assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("1.0");
        assertThat(device.partitionTable().partitions()).isEqualTo(NEW_TABLE.partitions());
    }

    @Test
    void aPowerCutDuringTheBootloaderCopyCanLeaveTheChipUnbootableAsOnEspIdf() {
        Scenario c3 = c3();
        Tally tally = new Tally();
        Copy copy = c3.measure("bootloader.bin", "PrimaryBTLDR");
        for (long cut = 0; cut < copy.operations(); cut++) {
            Device device = c3.cutAt(copy, cut);
            BootResult boot = device.reboot();
            if (boot.booted().isEmpty()) {
                assertThat(boot.skipped()).as("cut %d: %s", cut, boot).first().asString()
                        .startsWith("ROM: primary bootloader at 0x0: ");
                tally.add("do not boot");
                continue;
            }
            Optional<BootloaderDescription> running = OtaOperations.on(device).getBootloaderDescription();
            assertThat(running).as("cut %d: it booted, so its bootloader has a descriptor", cut).isPresent();
            long version = running.get().version();
            byte[] whole = version == 2 ? NEW_BOOTLOADER : OLD_BOOTLOADER;
            assertThat(device.flash().read(0, whole.length)).as("cut %d: a whole bootloader", cut).isEqualTo(whole);
            assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("1.0");
            tally.add(version == 2 ? "boot the new bootloader" : "boot the old bootloader");
        }
        tally.print("bootloader copy, no recovery bootloader (ESP32-C3)", copy.operations());
        assertThat(tally.count("do not boot")).as("ESP-IDF's copy is not power-safe: some cuts brick the chip")
                .isPositive();
        assertThat(tally.count("boot the new bootloader")).as("cuts after the image's last page").isPositive();
    }

    @Test
    void aPowerCutDuringThePartitionTableCopyCanLeaveTheChipUnbootableAsOnEspIdf() {
        Scenario c3 = c3();
        PartitionTable old = TestDevices.table(TestDevices.WITH_BOOTLOADER_ENTRIES);
        Tally tally = new Tally();
        Copy copy = c3.measure("partition-table.bin", "PrimaryPrtTable");
        for (long cut = 0; cut < copy.operations(); cut++) {
            Device device = c3.cutAt(copy, cut);
            BootResult boot = device.reboot();
            if (boot.booted().isEmpty()) {
                tally.add("do not boot");
                continue;
            }
            List<Partition> table = device.partitionTable().partitions();
            assertThat(table.equals(old.partitions()) || tornNewTable(table)).as("cut %d: %s", cut, table).isTrue();
            tally.add(table.equals(old.partitions()) ? "boot the old table" : table.equals(NEW_TABLE.partitions())
                    ? "boot the new table" : "boot the new table's first entries, the last one torn");
        }
        tally.print("partition table copy", copy.operations());
        assertThat(tally.count("do not boot")).as("ESP-IDF's copy is not power-safe: some cuts brick the chip")
                .isPositive();
        assertThat(tally.count("boot the new table")).as("cuts after the table's last page").isPositive();
    }

    @Test
    void withTheRecoveryBootloaderEveryCutDuringTheBootloaderCopyStillBoots() {
        Scenario c5 = c5WithRecovery();
        Tally tally = new Tally();
        Copy copy = c5.measure("bootloader-c5.bin", "PrimaryBTLDR");
        for (long cut = 0; cut < copy.operations(); cut++) {
            BootResult boot = c5.cutAt(copy, cut).reboot();
            assertThat(boot.booted()).as("cut %d: %s", cut, boot).isPresent();
            assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("1.0");
            tally.add(boot.skipped().isEmpty() ? "boot the primary bootloader" : "boot the recovery bootloader");
        }
        tally.print("bootloader copy with the recovery bootloader (ESP32-C5)", copy.operations());
        assertThat(tally.count("boot the recovery bootloader")).isPositive();
    }

    /**
     * The new table's first entries, of which the last may be torn in its label or flags: what ESP-IDF's table check
     * accepts of a table cut short (it reads each entry's magic, offset and size, and needs no MD5 entry).
     */
    private static boolean tornNewTable(List<Partition> table) {
        List<Partition> full = NEW_TABLE.partitions();
        int last = table.size() - 1;
        if (last < 0 || last >= full.size() || !table.subList(0, last).equals(full.subList(0, last))) {
            return false;
        }
        Partition torn = table.get(last);
        Partition whole = full.get(last);
        return torn.type() == whole.type() && torn.subtype() == whole.subtype() && torn.offset() == whole.offset()
                && torn.size() == whole.size();
    }

    private static Scenario c3() {
        NorFlash flash = TestDevices.flash(TestDevices.WITH_BOOTLOADER_ENTRIES, OLD_BOOTLOADER, TestDevices.app("1.0"));
        return new Scenario(flash, DeviceProperties.of(Chip.ESP32_C3).withBootloaderInFlash(true));
    }

    /** As {@code partitions_ota}'s safe update does: the recovery eFuse burnt and the bootloader backed up there. */
    private static Scenario c5WithRecovery() {
        PartitionTable table = PartitionCsv.parse(TestDevices.WITH_BOOTLOADER_ENTRIES
                + "RecoveryBTLDR, bootloader, recovery, N/A, N/A,\n", PartitionCsv.Options.defaults()
                        .withPrimaryBootloaderOffset(Chip.ESP32_C5.bootloaderOffset())
                        .withRecoveryBootloaderOffset(RECOVERY));
        NorFlash flash = TestDevices.flash(table, TestImages.app(Chip.ESP32_C5, "1.0", 1000));
        long primary = Chip.ESP32_C5.bootloaderOffset();
        int size = (int) (PartitionTable.DEFAULT_OFFSET - primary);
        flash.program(primary, TestImages.bootloader(Chip.ESP32_C5, 1, 6000));
        flash.eraseRange(RECOVERY, size);
        flash.program(RECOVERY, flash.read(primary, size));
        return new Scenario(flash, DeviceProperties.of(Chip.ESP32_C5).withBootloaderInFlash(true)
                .withRecoveryBootloaderOffset(RECOVERY));
    }

    /**
     * How many flash operations the copy of one update makes, the flash just before it (the image verified in the
     * staging partition), and the final partition's extent.
     */
    private record Copy(String file, String finalLabel, long operations, byte[] beforeCopy, long finalOffset,
            long finalSize) {
    }

    /** A device's flash and properties at the start of each run; every run gets its own copy. */
    private record Scenario(NorFlash start, DeviceProperties properties) {

        Device device() {
            return Device.poweredOn(TestDevices.copy(start), properties);
        }

        Conformance.Outcome update(dev.flota.ota.target.OtaTarget target, String file, String finalLabel) {
            return Conformance.update(target, Conformance.client(nginx.url(file)).partitions("ota_1", finalLabel,
                    true));
        }

        Copy measure(String file, String finalLabel) {
            Device device = device();
            AtomicLong before = new AtomicLong();
            AtomicLong after = new AtomicLong();
            AtomicReference<byte[]> snapshot = new AtomicReference<>();
            Conformance.Outcome outcome = update(AroundEnd.of(SimulatedTarget.of(device), () -> {
                before.set(device.flash().stats().mutatingOperations());
                snapshot.set(device.flash().read(0, (int) device.flash().size()));
            }, () -> after.set(device.flash().stats().mutatingOperations())), file, finalLabel);
            assertThat(outcome.failure()).as("reference run").isNull();
            Partition target = device.partitionTable().find(finalLabel).orElseThrow();
            byte[] image = readFile(file);
            Partition staging = device.partitionTable().find("ota_1").orElseThrow();
            assertThat(Arrays.copyOfRange(snapshot.get(), (int) staging.offset(), (int) staging.offset()
                    + image.length)).as("the verified image in staging").isEqualTo(image);
            return new Copy(file, finalLabel, after.get() - before.get(), snapshot.get(), target.offset(),
                    target.size());
        }

        /** The update with the power cut at operation {@code cut} of its copy; checks what ESP-IDF guarantees. */
        Device cutAt(Copy copy, long cut) {
            Device device = device();
            Conformance.Outcome outcome = update(AroundEnd.of(SimulatedTarget.of(device),
                    () -> device.flash().faults().cutPowerAfterOperations(cut), () -> { }), copy.file(),
                    copy.finalLabel());
            assertThat(outcome.failure()).as("cut %d", cut).isNotNull();
            assertThat(outcome.failure().error()).as("cut %d", cut).isEqualTo(OtaError.FLASH_FAIL);
            device.flash().powerCycle();
            byte[] now = device.flash().read(0, (int) device.flash().size());
            int from = (int) copy.finalOffset();
            int to = (int) (copy.finalOffset() + copy.finalSize());
            assertThat(Arrays.equals(now, 0, from, copy.beforeCopy(), 0, from)
                    && Arrays.equals(now, to, now.length, copy.beforeCopy(), to, now.length))
                    .as("cut %d: only the final partition changed", cut).isTrue();
            return device;
        }

        private static byte[] readFile(String file) {
            try {
                return Files.readAllBytes(dir.resolve(file));
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }

    /** What the cut points left, counted by outcome. */
    private static final class Tally {
        private final java.util.Map<String, Integer> counts = new java.util.TreeMap<>();

        void add(String outcome) {
            counts.merge(outcome, 1, Integer::sum);
        }

        int count(String outcome) {
            return counts.getOrDefault(outcome, 0);
        }

        void print(String what, long cutPoints) {
            System.out.println("PartitionsOtaOnNginxTest: " + what + ", " + cutPoints + " cut points covered: "
                    + counts);
        }
    }
}
