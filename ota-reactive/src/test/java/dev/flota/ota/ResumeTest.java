package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nvs.NvsEntry;
import dev.flota.flash.nvs.NvsPartition;
import dev.flota.flash.nvs.NvsType;
import dev.flota.flash.nvs.NvsValue;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.sim.SimulatedTarget;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code HttpsOta.resume(true)} across reboots of a simulated device: an update cut by a cancellation or a power cut
 * continues from the journal in the device's NVS partition, and the image servers' byte counts show it did not start
 * over.
 */
class ResumeTest {

    private static final byte[] APP = TestImages.app(Chip.ESP32_C3, "2.0", 100_000);
    private static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);
    private static final byte[] ENCRYPTED = ImageEncryptor.encrypt(APP, EncryptionKey.forDevice(KEY));
    private static final int STALL = 40_000;
    private static final int REQUEST = 8192;
    /**
     * What a partial download may have received past the journal when it is cancelled or loses power: one request,
     * since each range waits until the journal covers the bytes before it (the first range of a pre-encrypted image
     * carries its 512-byte header on top).
     */
    private static final int IN_FLIGHT = REQUEST + 512;

    @TempDir
    Path dir;

    private static Device device() {
        return TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
    }

    /** Two names for one file with one modification time: the same ETag under another URL, as presigned URLs. */
    private void files(byte[] image) throws IOException {
        FileTime time = FileTime.fromMillis(1_700_000_000_000L);
        for (String name : List.of("app.bin", "signed-1.bin", "signed-2.bin")) {
            Files.write(dir.resolve(name), image);
            Files.setLastModifiedTime(dir.resolve(name), time);
        }
    }

    private RunningImageServer serve(ServerFaults faults) {
        return ImageServer.create().directory(dir).host("127.0.0.1").port(0).handler(ServerFaults.inject(faults))
                .bindNow();
    }

    private static HttpsOta ota(String url, boolean encrypted, boolean partial) {
        HttpsOta ota = HttpsOta.create().url(url).allowHttp(true).resume(true).resumeJournalInterval(4096)
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30))
                .retries(3, Duration.ofMillis(10), Duration.ofMillis(50));
        if (partial) {
            ota = ota.partialHttpDownload(true).maxHttpRequestSize(REQUEST).maxBufferedBytes(REQUEST);
        }
        return encrypted ? ota.decryptionKey(KEY) : ota;
    }

    /** Runs until the flash holds {@code bytes}, then cancels, as a process killed mid-update. */
    private static long cutAfter(Device device, HttpsOta ota, long bytes) {
        OtaEvent last = ota.update(SimulatedTarget.of(device))
                .takeUntil(e -> e instanceof OtaEvent.FlashWritten w && w.cumulativeBytes() >= bytes)
                .blockLast(Duration.ofSeconds(30));
        return ((OtaEvent.FlashWritten) last).cumulativeBytes();
    }

    private static List<OtaEvent> finish(Device device, HttpsOta ota) {
        device.reboot();
        assertThat(device.lastBoot().appDescription().orElseThrow().version()).as("the old app boots meanwhile")
                .isEqualTo("1.0");
        List<OtaEvent> events = ota.update(SimulatedTarget.of(device)).collectList().block(Duration.ofSeconds(30));
        assertThat(events).last().isInstanceOf(OtaEvent.Finished.class);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(journal(device)).as("the journal is cleared after success").isEmpty();
        return events;
    }

    /** The {@code ota_resumption} keys as ESP-IDF's {@code nvs_get_*} would read them. */
    static Map<String, NvsValue> journal(Device device) {
        Partition nvs = device.partitionTable().find("nvs").orElseThrow();
        return NvsPartition.mount(device.flash(), nvs).entries().stream()
                .filter(e -> e.namespace().equals("ota_resumption"))
                .collect(Collectors.toMap(NvsEntry::key, NvsEntry::value));
    }

    private static OtaEvent.Resumed resumed(List<OtaEvent> events) {
        return events.stream().filter(OtaEvent.Resumed.class::isInstance).map(OtaEvent.Resumed.class::cast)
                .findFirst().orElseThrow(() -> new AssertionError("not resumed: " + events));
    }

    private void cutThenResumeFromAnotherUrl(byte[] served, boolean encrypted, boolean partial) throws IOException {
        files(served);
        Device device = device();
        long header = encrypted ? 512 : 0;
        try (RunningImageServer first = serve(ServerFaults.none().stallAfter(STALL).forPath("/signed-1.bin"));
                RunningImageServer second = serve(ServerFaults.none())) {
            long written = cutAfter(device, ota(first.url("signed-1.bin"), encrypted, partial), STALL - header);
            Map<String, NvsValue> journal = journal(device);
            assertThat(journal).containsKeys("nvs_ota_wr_len", "nvs_ota_url", "flota_validator", "flota_sector");
            assertThat(journal.get("nvs_ota_wr_len").type()).isEqualTo(NvsType.U16);
            assertThat(journal.get("nvs_ota_url").stringValue()).isEqualTo(first.url("signed-1.bin"));
            long committedKiB = journal.get("nvs_ota_wr_len").longValue();
            assertThat(committedKiB * 1024).as("committed only what the flash holds").isLessThanOrEqualTo(written)
                    .isGreaterThan(written - 4096);

            List<OtaEvent> events = finish(device, ota(second.url("signed-2.bin"), encrypted, partial));
            OtaEvent.Resumed resumed = resumed(events);
            assertThat(resumed.offset()).isEqualTo(committedKiB * 1024);
            assertThat(resumed.fetchOffset()).isEqualTo(resumed.offset() + header);
            long sentFirst = first.requests().bodyBytes();
            long sentSecond = second.requests().bodyBytes();
            System.out.printf("resume %s %s: image %d, first run sent %d, resumed at %d, second run sent %d, total %d%n",
                    encrypted ? "encrypted" : "plain", partial ? "partial" : "whole", served.length, sentFirst,
                    resumed.fetchOffset(), sentSecond, sentFirst + sentSecond);
            assertThat(sentSecond).as("the second run fetched only the rest").isEqualTo(served.length
                    - resumed.fetchOffset());
            assertThat(sentFirst + sentSecond).as("at most the image plus what was in flight at the cancel")
                    .isLessThanOrEqualTo(served.length + (partial ? IN_FLIGHT : STALL - resumed.fetchOffset()));
            assertThat(events).filteredOn(OtaEvent.Finished.class::isInstance).singleElement()
                    .satisfies(f -> assertThat(((OtaEvent.Finished) f).bytesWasted())
                            .as("what the first run received past the offset resumed from, as its journal kept it:"
                                    + " all of it, less what came after the last commit")
                            .isBetween(Math.max(0, sentFirst - resumed.fetchOffset() - IN_FLIGHT),
                                    sentFirst - resumed.fetchOffset()));
        }
    }

    @Test
    void plainWholeGetResumesFromAnotherUrlOfTheSameImage() throws IOException {
        cutThenResumeFromAnotherUrl(APP, false, false);
    }

    @Test
    void encryptedWholeGetResumes() throws IOException {
        cutThenResumeFromAnotherUrl(ENCRYPTED, true, false);
    }

    /**
     * On a device with flash encryption on, the checks of the journal and the GCM tag state are rebuilt from the
     * slot read decrypted ({@code esp_partition_read}), and the resume offset is a sector boundary, so 16-aligned.
     * (The byte-count bounds of the other resume tests are not repeated: they are about the fetch, not the device.)
     */
    @Test
    void encryptedPartialDownloadResumesOnAFlashEncryptedDevice() throws IOException {
        Device device = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")),
                FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_C3), FlashEncryptionDevices.KEY_32));
        assertThat(device.properties().flashEncryptionEnabled()).isTrue();
        files(ENCRYPTED);
        try (RunningImageServer first = serve(ServerFaults.none().stallAfter(STALL).forPath("/signed-1.bin"));
                RunningImageServer second = serve(ServerFaults.none())) {
            cutAfter(device, ota(first.url("signed-1.bin"), true, true), STALL - 512);
            long committed = journal(device).get("nvs_ota_wr_len").longValue() * 1024;
            assertThat(committed).as("a journal was committed").isPositive();
            OtaEvent.Resumed resumed = resumed(finish(device, ota(second.url("signed-2.bin"), true, true)));
            assertThat(resumed.offset()).isEqualTo(committed);
            assertThat(resumed.offset() % 16).isZero();
            assertThat(second.requests().bodyBytes()).as("the second run fetched only the rest")
                    .isEqualTo(ENCRYPTED.length - resumed.fetchOffset());
        }
        Partition slot = device.runningPartition().orElseThrow();
        assertThat(device.flash().read(slot.offset(), 64)).as("the slot holds flash ciphertext")
                .isEqualTo(java.util.Arrays.copyOf(FlashEncryptionDevices.ciphertext(device, slot.offset(), APP), 64));
    }

    @Test
    void plainPartialDownloadResumes() throws IOException {
        cutThenResumeFromAnotherUrl(APP, false, true);
    }

    @Test
    void encryptedPartialDownloadResumes() throws IOException {
        cutThenResumeFromAnotherUrl(ENCRYPTED, true, true);
    }

    @Test
    void aPowerCutAtAnyOfSeveralFlashOperationsResumesOrStartsAfresh() throws IOException {
        files(APP);
        int resumedRuns = 0;
        for (int cut : new int[] {3, 15, 40, 70, 110, 150}) {
            Device device = device();
            try (RunningImageServer server = serve(ServerFaults.none())) {
                String url = server.url("app.bin");
                device.flash().faults().cutPowerAfterOperations(cut);
                List<OtaEvent> cutRun = ota(url, false, true).update(SimulatedTarget.of(device))
                        .onErrorResume(e -> reactor.core.publisher.Flux.empty()).collectList()
                        .block(Duration.ofSeconds(30));
                assertThat(cutRun).as("cut at %d", cut).last().isInstanceOf(OtaEvent.Aborted.class);
                long sentFirst = server.requests().bodyBytes();
                List<OtaEvent> events = finish(device, ota(url, false, true));
                long sent = server.requests().bodyBytes();
                long offset = events.stream().filter(OtaEvent.Resumed.class::isInstance)
                        .mapToLong(e -> ((OtaEvent.Resumed) e).offset()).findFirst().orElse(0);
                System.out.printf("power cut after %d flash operations: first run sent %d, resumed at %d, total %d"
                        + " of an image of %d%n", cut, sentFirst, offset, sent, APP.length);
                resumedRuns += offset > 0 ? 1 : 0;
                assertThat(sent).as("cut at %d", cut).isLessThanOrEqualTo(APP.length + (long) IN_FLIGHT);
            }
        }
        assertThat(resumedRuns).as("cuts after the first commit resume").isGreaterThanOrEqualTo(3);
    }

    @Test
    void aChangedImageStartsAgainFromZeroAndCountsWhatItThrowsAway() throws IOException {
        files(APP);
        Device device = device();
        try (RunningImageServer first = serve(ServerFaults.none().stallAfter(STALL).forPath("/signed-1.bin"));
                RunningImageServer second = serve(ServerFaults.none())) {
            cutAfter(device, ota(first.url("signed-1.bin"), false, false), STALL);
            long sentFirst = first.requests().bodyBytes();
            byte[] v3 = TestImages.app(Chip.ESP32_C3, "3.0", 100_000);
            Files.write(dir.resolve("signed-2.bin"), v3);
            device.reboot();
            List<OtaEvent> events = ota(second.url("signed-2.bin"), false, false)
                    .update(SimulatedTarget.of(device)).collectList().block(Duration.ofSeconds(30));
            long offset = resumed(events).offset();
            assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOf(OtaEvent.ResumeDiscarded.class));
            assertThat(events).last().isInstanceOfSatisfying(OtaEvent.Finished.class,
                    f -> assertThat(f.bytesWasted()).as("all the first run received: the bytes in flash of the old"
                            + " image (%d) and those past them", offset).isEqualTo(sentFirst));
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("3.0");
            assertThat(journal(device)).isEmpty();
            System.out.printf("changed image: resumed at %d, then %d bytes of the new image of %d%n", offset,
                    second.requests().bodyBytes(), v3.length);
        }
    }

    @Test
    void withoutAValidatorNothingIsJournalledAndNoRangeWaitsForTheJournal() throws IOException {
        files(APP);
        Device device = device();
        try (RunningImageServer server = serve(ServerFaults.none().withoutValidators())) {
            String url = server.url("app.bin");
            cutAfter(device, ota(url, false, true), 40_000);
            assertThat(journal(device)).as("no validator: nothing a resume could check the image against").isEmpty();
            List<OtaEvent> events = finish(device, ota(url, false, true));
            assertThat(events).noneMatch(OtaEvent.Resumed.class::isInstance);
            assertThat(server.requests().bodyBytes()).as("the cut run's bytes and the whole image again")
                    .isGreaterThanOrEqualTo(APP.length + 40_000L);
        }
    }

    @Test
    void withoutAJournalResumeIsAFreshUpdate() throws IOException {
        files(APP);
        Device device = device();
        try (RunningImageServer server = serve(ServerFaults.none())) {
            List<OtaEvent> events = finish(device, ota(server.url("app.bin"), false, true));
            assertThat(events).noneMatch(e -> e instanceof OtaEvent.Resumed || e instanceof OtaEvent.ResumeDiscarded);
            assertThat(server.requests().bodyBytes()).isEqualTo(APP.length);
        }
    }

    @Test
    void aSectorThatIsNotWhatTheJournalCommittedStartsAfresh() throws IOException {
        files(APP);
        Device device = device();
        try (RunningImageServer first = serve(ServerFaults.none().stallAfter(STALL).forPath("/signed-1.bin"));
                RunningImageServer second = serve(ServerFaults.none())) {
            cutAfter(device, ota(first.url("signed-1.bin"), false, false), STALL);
            long committed = journal(device).get("nvs_ota_wr_len").longValue() * 1024;
            Partition staging = device.partitionTable().find("ota_0").orElseThrow();
            device.flash().eraseSector(staging.offset() + committed - 4096);
            List<OtaEvent> events = finish(device, ota(second.url("signed-2.bin"), false, false));
            assertThat(events).noneMatch(OtaEvent.Resumed.class::isInstance);
            assertThat(events).anySatisfy(e -> assertThat(e).isInstanceOfSatisfying(OtaEvent.ResumeDiscarded.class,
                    d -> assertThat(d.reason()).contains("sector before offset " + committed)));
            assertThat(second.requests().bodyBytes()).isEqualTo(APP.length);
        }
    }

    @Test
    void withoutResumeNoJournalIsKept() throws IOException {
        files(APP);
        Device device = device();
        try (RunningImageServer server = serve(ServerFaults.none())) {
            cutAfter(device, ota(server.url("app.bin"), false, true).resume(false), STALL);
            assertThat(journal(device)).isEmpty();
        }
    }

    @Test
    void plaintextInFlashThatChangedFailsTheTagAndClearsTheJournal() throws IOException {
        files(ENCRYPTED);
        Device device = device();
        try (RunningImageServer first = serve(ServerFaults.none().stallAfter(STALL).forPath("/signed-1.bin"));
                RunningImageServer second = serve(ServerFaults.none())) {
            cutAfter(device, ota(first.url("signed-1.bin"), true, false), STALL - 512);
            Partition staging = device.partitionTable().find("ota_0").orElseThrow();
            device.flash().eraseSector(staging.offset() + 2 * 4096);
            device.reboot();
            List<OtaEvent> events = ota(second.url("signed-2.bin"), true, false).update(SimulatedTarget.of(device))
                    .onErrorResume(e -> reactor.core.publisher.Flux.empty()).collectList()
                    .block(Duration.ofSeconds(30));
            assertThat(resumed(events).offset()).as("the sectors the journal checks are intact").isPositive();
            assertThat(events).last().isInstanceOfSatisfying(OtaEvent.Aborted.class,
                    a -> assertThat(a.cause().error()).isEqualTo(OtaError.DECRYPT_FAILED));
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
            assertThat(journal(device)).as("a rejected image leaves no journal").isEmpty();
            List<OtaEvent> again = finish(device, ota(second.url("signed-2.bin"), true, false));
            assertThat(again).noneMatch(OtaEvent.Resumed.class::isInstance);
        }
    }

    /**
     * An image whose plaintext is a whole number of sectors is journalled at its end by the last write: a reset before
     * the boot switch resumes straight into esp_ota_end, the verification and the switch, fetching nothing.
     */
    @Test
    void aJournalAtTheImagesEndResumesIntoTheBootSwitchFetchingNothing() throws IOException {
        byte[] app = sectorMultiple();
        for (boolean encrypted : new boolean[] {false, true}) {
            byte[] served = encrypted ? ImageEncryptor.encrypt(app, EncryptionKey.forDevice(KEY)) : app;
            files(served);
            Device device = device();
            try (RunningImageServer server = serve(ServerFaults.none())) {
                String url = server.url("app.bin");
                assertThat(cutAfter(device, ota(url, encrypted, true), app.length)).isEqualTo(app.length);
                assertThat(journal(device).get("nvs_ota_wr_len").longValue() * 1024).as("committed at the end")
                        .isEqualTo(app.length);
                long sentFirst = server.requests().bodyBytes();
                List<OtaEvent> events = finish(device, ota(url, encrypted, true));
                assertThat(events).noneMatch(OtaEvent.ResumeDiscarded.class::isInstance);
                assertThat(resumed(events).offset()).isEqualTo(app.length);
                assertThat(server.requests().bodyBytes()).as("nothing fetched again").isEqualTo(sentFirst)
                        .isEqualTo(served.length);
                assertThat(events).last().isInstanceOfSatisfying(OtaEvent.Finished.class,
                        f -> assertThat(f.bytesWasted()).isZero());
            }
        }
    }

    /** An app of exactly 20 sectors. */
    private static byte[] sectorMultiple() {
        int target = 20 * 4096;
        for (int payload = target - 256; payload > target - 512; payload--) {
            byte[] app = MatrixImages.app("2.0", payload);
            if (app.length == target) {
                return app;
            }
        }
        throw new IllegalStateException("no payload gives an app of " + target + " bytes");
    }
}
