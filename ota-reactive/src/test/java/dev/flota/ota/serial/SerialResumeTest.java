package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.nvs.NvsEntry;
import dev.flota.flash.nvs.NvsNamespace;
import dev.flota.flash.nvs.NvsPartition;
import dev.flota.flash.nvs.NvsType;
import dev.flota.flash.nvs.NvsValue;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.OtaException;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.pipeline.ResumeJournal;
import dev.flota.ota.serial.link.SerialLink;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.target.ResumptionStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code HttpsOta.resume(true)} on {@link SerialTarget}: an update cut by a dropped link or a power cut continues on a
 * new connection from the journal the loader wrote into the chip's NVS partition, which the simulator's own
 * {@link NvsPartition} reads on the chip's flash; the server's byte count shows the prefix was not fetched again, the
 * whole image is still verified, and a power cut during a journal write leaves a mountable NVS partition and a
 * resume from the offset before that write or the one it wrote.
 */
class SerialResumeTest {

    private static final Chip CHIP = Chip.ESP32_C3;
    private static final byte[] APP = TestImages.app(CHIP, "2.0", ChipImages.PAYLOAD);
    private static final byte[] SMALL = TestImages.app(CHIP, "2.0", 1000);
    private static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);

    @TempDir
    Path dir;
    private RunningImageServer server;

    @BeforeEach
    void serve() throws IOException {
        Files.write(dir.resolve("app.bin"), APP);
        Files.write(dir.resolve("small.bin"), SMALL);
        Files.write(dir.resolve("app.enc"), ImageEncryptor.encrypt(APP, EncryptionKey.forDevice(KEY)));
        server = ImageServer.create().directory(dir).host("127.0.0.1").port(0).bindNow();
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private static final int JOURNAL_INTERVAL = 8192;
    /** The HTTP decoder's largest chunk, and so the largest write. */
    private static final int MAX_CHUNK = 16 * 1024;

    private HttpsOta ota(String file) {
        HttpsOta ota = HttpsOta.create().url(server.url(file)).allowHttp(true).resume(true)
                .resumeJournalInterval(JOURNAL_INTERVAL)
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(60));
        return file.endsWith(".enc") ? ota.decryptionKey(KEY) : ota;
    }

    private boolean stub;

    private SerialConnector connector(Device device, UnaryOperator<SerialLink> wrap) {
        SerialConnector connector = SerialTargetTest.connector(LoaderDevice.of(device), wrap)
                .timeouts(LoaderTimeouts.esptool().withCommand(Duration.ofSeconds(2)));
        return stub ? connector.stub(SerialTargetTest.SYNTHETIC_STUB) : connector;
    }

    /** One update over a fresh connection; its events, or none when it failed as an interrupted one does. */
    private List<OtaEvent> update(Device device, HttpsOta ota, UnaryOperator<SerialLink> wrap) {
        try (SerialTarget target = connector(device, wrap).connect()) {
            return ota.update(target).collectList().block(Duration.ofSeconds(60));
        } catch (OtaException | LoaderException e) {
            assertThat(e.getMessage()).isNotEmpty();
            return List.of();
        }
    }

    /** The {@code ota_resumption} keys as the simulator's NVS reads them on the chip's flash. */
    private static Map<String, NvsValue> journal(Device device) {
        Partition nvs = device.partitionTable().find("nvs").orElseThrow();
        return NvsPartition.mount(device.flash(), nvs).entries().stream()
                .filter(e -> e.namespace().equals("ota_resumption"))
                .collect(Collectors.toMap(NvsEntry::key, NvsEntry::value));
    }

    /**
     * The offset the engine would resume from ({@link ResumeJournal#read}, 0 without a journal), on an image of the
     * chip's NVS partition mounted read-only by the simulator's NVS: the flash is not touched.
     */
    static long journalOffset(Device device) {
        Partition nvs = device.partitionTable().find("nvs").orElseThrow();
        Optional<NvsNamespace> namespace = NvsPartition.read(device.flash().read(nvs.offset(), (int) nvs.size()))
                .find(ResumptionStore.NAMESPACE);
        return namespace.flatMap(n -> ResumeJournal.read(new ReadOnlyStore(n))).map(ResumeJournal::offset)
                .orElse(0L);
    }

    private static OtaEvent.Resumed resumed(List<OtaEvent> events) {
        return events.stream().filter(OtaEvent.Resumed.class::isInstance).map(OtaEvent.Resumed.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("not resumed: " + events));
    }

    private void cutThenResume(String file, long served, UnaryOperator<SerialLink> cut, Runnable armCut,
            Device device) {
        armCut.run();
        assertThat(update(device, ota(file), cut)).as("the interrupted update").isEmpty();
        device.flash().faults().clear();
        assertThat(device.reboot().appDescription().orElseThrow().version()).as("the old app boots meanwhile")
                .isEqualTo("1.0");
        long sentFirst = server.requests().bodyBytes();
        Map<String, NvsValue> journal = journal(device);
        assertThat(journal).containsKeys("nvs_ota_wr_len", "nvs_ota_url", "flota_validator", "flota_sector");
        assertThat(journal.get("nvs_ota_wr_len").type()).isEqualTo(NvsType.U16);
        assertThat(journal.get("nvs_ota_url").stringValue()).isEqualTo(server.url(file));
        long committed = journalOffset(device);
        Partition slot = device.partitionTable().find("ota_0").orElseThrow();
        assertThat(device.flash().read(slot.offset(), (int) committed)).as("the journal records what flash holds")
                .isEqualTo(Arrays.copyOf(APP, (int) committed));

        try (SerialTarget target = connector(device, l -> l).connect()) {
            assertThat(target.resumption().orElseThrow().journal().getU16("nvs_ota_wr_len"))
                    .as("the loader reads what the simulator reads").hasValue((int) (committed / 1024));
        }
        List<OtaEvent> events = update(device, ota(file), l -> l);
        assertThat(events).last().isInstanceOf(OtaEvent.Finished.class);
        OtaEvent.Resumed resumed = resumed(events);
        long sentSecond = server.requests().bodyBytes() - sentFirst;
        System.out.printf("serial resume %s: image %d, first run sent %d, journal at %d, second run sent %d,"
                + " total %d%n", file, served, sentFirst, resumed.offset(), sentSecond, sentFirst + sentSecond);
        assertThat(resumed.offset()).isPositive().isEqualTo(committed);
        assertThat(sentSecond).as("the second run fetched only the rest").isEqualTo(served - resumed.fetchOffset());
        assertThat(sentFirst + sentSecond).isLessThan(2 * served);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(device.runningPartition().map(Partition::label)).contains("ota_0");
        assertThat(journal(device)).as("the journal is cleared after success").isEmpty();
    }

    @Test
    void aPlainUpdateCutByADroppedLinkResumesOnANewConnection() {
        Device device = SerialTargetTest.device(CHIP);
        cutThenResume("app.bin", APP.length,
                l -> new FaultyLink(l, LoaderOpcode.FLASH_DEFL_BEGIN, 2, FaultyLink.Fault.DROP), () -> { }, device);
    }

    @Test
    void aPreEncryptedUpdateCutByAPowerCutResumes() throws IOException {
        Device device = SerialTargetTest.device(CHIP);
        cutThenResume("app.enc", Files.size(dir.resolve("app.enc")), l -> l,
                () -> device.flash().faults().cutPowerAfterBytes(100_000), device);
    }

    @Test
    void aPrefixThatChangedInFlashFailsTheWholeImageCheckAndTheOldAppStays() {
        Device device = SerialTargetTest.device(CHIP);
        update(device, ota("app.bin"), l -> new FaultyLink(l, LoaderOpcode.FLASH_DEFL_BEGIN, 2,
                FaultyLink.Fault.DROP));
        long committed = journalOffset(device);
        assertThat(committed).isGreaterThan(3 * 4096);
        Partition slot = device.partitionTable().find("ota_0").orElseThrow();
        long sector = slot.offset() + ResumeJournal.HEAD_BYTES;
        assertThat(sector).as("a sector below the one the journal checks")
                .isLessThan(slot.offset() + committed - ResumeJournal.SECTOR_SIZE);
        assertThat(device.flash().read(sector, 4096)).as("written").contains((byte) 0);
        device.flash().eraseSector(sector);

        try (SerialTarget target = connector(device, l -> l).connect()) {
            assertThatThrownBy(() -> ota("app.bin").update(target).blockLast(Duration.ofSeconds(60)))
                    .isInstanceOf(OtaException.class).hasMessageContaining("verif");
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
    }

    /**
     * With the flasher stub the journal is programmed in place by page programs through the SPI registers (its
     * FLASH_DATA would erase the NVS sector): a power cut, then a resume on a new stub connection.
     */
    @Test
    void withTheStubAPowerCutUpdateResumes() {
        stub = true;
        Device device = SerialTargetTest.device(CHIP);
        cutThenResume("app.bin", APP.length, l -> l, () -> device.flash().faults().cutPowerAfterBytes(100_000),
                device);
    }

    /**
     * A reference run records every NVS flash operation the loader is asked for (the chip's operation count when the
     * FLASH_BEGIN or FLASH_DATA reaches it) and the offset the journal on the chip held then; then one run per
     * sampled operation cuts the power during it. After each: the simulator mounts the NVS partition, the journal is
     * the one from before that write or the next one the reference run wrote, and the next update resumes from it
     * and boots the new app. A cut in the journal's erase, which follows the boot switch, boots the new app already.
     */
    @Test
    void aPowerCutDuringAJournalWriteLeavesTheOldOffsetOrTheNew() {
        List<long[]> operations = reference();
        List<Long> offsets = new ArrayList<>(new LinkedHashSet<>(operations.stream().map(o -> o[1]).toList()));
        int resumedRuns = 0;
        int cuts = 0;
        int switchedCuts = 0;
        for (int i = 0; i < operations.size(); i += 5) {
            long operation = operations.get(i)[0];
            Device device = SerialTargetTest.device(CHIP);
            device.flash().faults().cutPowerAfterOperations(operation);
            List<long[]> cutRun = new ArrayList<>();
            update(device, ota("small.bin"), nvsOperations(device, cutRun));
            if (!device.flash().isPowerLost()) {
                continue;
            }
            cuts++;
            device.flash().faults().clear();
            // this run's own journal before the write the cut hit (none before its first), or the one that write
            // commits: the next multiple of the interval a write passed, and a write is at most one HTTP chunk, so
            // at most one chunk further (where the network's chunks end differs from run to run, and so do the
            // multiples a run commits)
            long[] last = cutRun.isEmpty() ? new long[3] : cutRun.get(cutRun.size() - 1);
            long before = last[1];
            assertThat(before % JOURNAL_INTERVAL).as("journal offset %d: a multiple of the interval", before).isZero();
            List<Long> allowed = LongStream.rangeClosed(0, MAX_CHUNK / JOURNAL_INTERVAL)
                    .mapToObj(k -> before + k * JOURNAL_INTERVAL).toList();
            if (last[2] != 0) {
                // the journal is cleared after the boot switch: a cut while it is erased leaves the new app booting
                assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
                switchedCuts++;
                continue;
            }
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
            long journalled = journalOffset(device);
            assertThat(journalled).as("cut at NVS operation %d (journal at %d before it)", operation, before)
                    .isIn(allowed);
            List<OtaEvent> events = update(device, ota("small.bin"), l -> l);
            assertThat(events).as("resumed after a cut at %d", operation).last()
                    .isInstanceOf(OtaEvent.Finished.class);
            long resumedAt = events.stream().filter(OtaEvent.Resumed.class::isInstance)
                    .mapToLong(e -> ((OtaEvent.Resumed) e).offset()).findFirst().orElse(0);
            assertThat(resumedAt).isEqualTo(journalled);
            resumedRuns += resumedAt > 0 ? 1 : 0;
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
        System.out.printf("serial resume, power cuts in journal writes: %d NVS operations in the reference run,"
                + " %d cut, %d of them resumed, %d after the boot switch; journal offsets %s%n", operations.size(),
                cuts, resumedRuns, switchedCuts, offsets);
        assertThat(cuts).isGreaterThan(10);
        assertThat(resumedRuns).isGreaterThan(3);
    }

    /** The {@link #nvsOperations} of an uncut update. */
    private List<long[]> reference() {
        Device device = SerialTargetTest.device(CHIP);
        device.flash().faults().cutPowerAfterOperations(Long.MAX_VALUE);
        List<long[]> operations = new ArrayList<>();
        List<OtaEvent> events = update(device, ota("small.bin"), nvsOperations(device, operations));
        assertThat(events).last().isInstanceOf(OtaEvent.Finished.class);
        assertThat(operations).hasSizeGreaterThan(20);
        return operations;
    }

    /**
     * A link that adds to {@code operations}, for each NVS FLASH_BEGIN/FLASH_DATA it sends, {the chip's flash
     * operations since the link was made, the journal offset on the chip then, 1 once otadata names the new slot}.
     */
    private static UnaryOperator<SerialLink> nvsOperations(Device device, List<long[]> operations) {
        NorFlash flash = device.flash();
        long start = flash.modifications();
        Partition nvs = device.partitionTable().find("nvs").orElseThrow();
        Partition otadata = device.partitionTable().find("otadata").orElseThrow();
        byte[] otadataBefore = flash.read(otadata.offset(), (int) otadata.size());
        SlipDecoder sent = new SlipDecoder();
        long[] nvsWrite = {-1};
        return link -> new ForwardingLink(link) {
            @Override
            public void write(byte[] bytes) throws IOException {
                for (byte[] frame : sent.feed(bytes, 0, bytes.length)) {
                    if (nvsOperation(frame, nvs, nvsWrite).isPresent()) {
                        boolean switched = !Arrays.equals(otadataBefore,
                                flash.read(otadata.offset(), (int) otadata.size()));
                        operations.add(new long[] {flash.modifications() - start, journalOffset(device),
                                switched ? 1 : 0});
                    }
                }
                super.write(bytes);
            }
        };
    }

    /** A FLASH_BEGIN erasing in NVS, or a FLASH_DATA after a FLASH_BEGIN at an NVS sector. */
    private static OptionalLong nvsOperation(byte[] frame, Partition nvs, long[] nvsWrite) {
        if (frame.length < LoaderRequest.HEADER_LENGTH + 16) {
            return OptionalLong.empty();
        }
        int op = frame[1] & 0xFF;
        LoaderRequest request = LoaderRequest.parse(frame);
        if (op == LoaderOpcode.FLASH_BEGIN.code()) {
            long offset = request.word(3) & 0xFFFFFFFFL;
            boolean inNvs = offset >= nvs.offset() && offset < nvs.offset() + nvs.size();
            nvsWrite[0] = inNvs ? offset : -1;
            return inNvs && request.word(0) != 0 ? OptionalLong.of(offset) : OptionalLong.empty();
        }
        if (op == LoaderOpcode.FLASH_DATA.code() && nvsWrite[0] >= 0) {
            return OptionalLong.of(nvsWrite[0]);
        }
        if (op != LoaderOpcode.FLASH_DATA.code()) {
            nvsWrite[0] = -1;
        }
        return OptionalLong.empty();
    }
}
