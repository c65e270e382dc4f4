package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.sim.SimulatedTarget;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The ESP-style imperative calls, with the semantics of esp_https_ota's begin/perform/finish/abort. */
class EspHttpsOtaHandleTest {

    @TempDir
    Path dir;

    private static Device device() {
        return TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")), false);
    }

    @Test
    void beginDescriptorPerformFinish() {
        byte[] image = TestDevices.app("2.0");
        try (ByteServer server = new ByteServer(image)) {
            Device device = device();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(true)
                    .maxHttpRequestSize(8192).begin(SimulatedTarget.of(device));
            assertThat(ota.getImageSize()).isEqualTo(image.length);
            assertThat(ota.getStatusCode()).isEqualTo(206);
            assertThat(ota.getImgDesc().version()).isEqualTo("2.0");
            int steps = 0;
            while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                steps++;
            }
            assertThat(steps).isPositive();
            assertThat(ota.isCompleteDataReceived()).isTrue();
            assertThat(ota.getImageLenRead()).isEqualTo(image.length);
            assertThat(dev.flota.flash.ota.OtaOperations.on(device).getBootPartition().orElseThrow().label())
                    .as("not switched before finish").isEqualTo("factory");
            ota.finish();
            assertThat(ota.events()).last().isInstanceOf(OtaEvent.Finished.class);
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    @Test
    void abortAfterAllDataNeverSwitches() {
        byte[] image = TestDevices.app("2.0");
        try (ByteServer server = new ByteServer(image)) {
            Device device = device();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true).begin(SimulatedTarget.of(device));
            long before = 0;
            while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                assertThat(ota.getImageLenRead()).isNotNegative().isGreaterThan(before);
                before = ota.getImageLenRead();
            }
            assertThat(ota.getImageLenRead()).as("all data written").isEqualTo(image.length);
            assertThat(ota.isCompleteDataReceived()).isTrue();
            Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
            assertThat(device.flash().read(ota0.offset(), image.length)).as("a whole image that finish would boot")
                    .isEqualTo(image);
            ota.abort();
            assertThat(ota.events()).last().isInstanceOf(OtaEvent.Aborted.class);
            assertThat(ota.events()).noneMatch(e -> e instanceof OtaEvent.BootPartitionUpdated);
            assertThat(dev.flota.flash.ota.OtaOperations.on(device).getBootPartition().orElseThrow().label())
                    .as("otadata untouched").isEqualTo("factory");
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    void performReportsTheFailure() {
        try (ByteServer server = new ByteServer(TestImages.app(Chip.ESP32_C6, "c6", 500))) {
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true).begin(SimulatedTarget.of(device()));
            assertThatThrownBy(() -> {
                while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                    continue;
                }
            }).isInstanceOfSatisfying(OtaException.class,
                    e -> assertThat(e.error()).isEqualTo(OtaError.INVALID_VERSION));
        }
    }

    @Test
    void beginConnectsAndReadsNothingMore() {
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true).meterRegistry(registry)
                    .begin(SimulatedTarget.of(device()));
            assertThat(ota.events()).hasExactlyElementsOfTypes(OtaEvent.Started.class, OtaEvent.Connected.class);
            assertThat(registry.find("flota.ota.bytes").tag("kind", "fetched").counter())
                    .as("no body byte read").isNull();
            assertThat(ota.getImageLenRead()).isEqualTo(-1);
            ota.abort();
        }
    }

    @Test
    void imageDescriptionIsReadBeforeAnythingIsErased() {
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            Device device = device();
            Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
            byte[] marker = {0x12, 0x34, 0x56, 0x78};
            device.flash().program(ota0.offset(), marker);
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true)
                    .begin(SimulatedTarget.of(device));
            assertThat(ota.getImgDesc().version()).isEqualTo("2.0");
            assertThat(ota.events()).noneMatch(e -> e instanceof OtaEvent.FlashWritten);
            ota.abort();
            assertThat(device.flash().read(ota0.offset(), marker.length)).as("ota_0 never erased").isEqualTo(marker);
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    @Timeout(20)
    void imageDescriptionOfADataPartitionFailsAtOnce() {
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true)
                    .timeouts(Duration.ofSeconds(10), Duration.ofHours(1), Duration.ofHours(1))
                    .partitions("nvs", null, false).begin(SimulatedTarget.of(device()));
            assertThatThrownBy(ota::getImgDesc).isInstanceOfSatisfying(OtaException.class,
                    e -> assertThat(e).hasMessageContaining("'nvs'"));
            assertThatThrownBy(ota::getBootloaderImgDesc).isInstanceOf(OtaException.class);
            ota.abort();
        }
    }

    @Test
    void eachPerformWritesOneChunk() {
        byte[] image = TestImages.app(Chip.ESP32_C3, "2.0", 100_000);
        try (ByteServer server = new ByteServer(image)) {
            Device device = device();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true)
                    .begin(SimulatedTarget.of(device));
            long before = 0;
            int inProgress = 0;
            while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                inProgress++;
                long now = ota.getImageLenRead();
                assertThat(now - before).as("one chunk per perform").isBetween(1L, 16L * 1024);
                assertThat(ota.events().stream().filter(e -> e instanceof OtaEvent.FlashWritten).count())
                        .isEqualTo(inProgress);
                before = now;
            }
            assertThat(before).isEqualTo(image.length);
            assertThat(inProgress).isGreaterThanOrEqualTo(image.length / (16 * 1024));
            ota.finish();
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    @Test
    void finishBeforeAllDataFailsAndNeverSwitches() {
        try (ByteServer server = new ByteServer(TestImages.app(Chip.ESP32_C3, "2.0", 100_000))) {
            Device device = device();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true)
                    .begin(SimulatedTarget.of(device));
            assertThat(ota.perform()).isEqualTo(EspHttpsOtaHandle.Progress.IN_PROGRESS);
            assertThatThrownBy(ota::finish).isInstanceOfSatisfying(OtaException.class,
                    e -> assertThat(e.error()).isEqualTo(OtaError.INVALID_STATE));
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
        }
    }

    @Test
    void abortAfterFinishIsRefused() {
        try (ByteServer server = new ByteServer(TestDevices.app("2.0"))) {
            Device device = device();
            EspHttpsOtaHandle ota = HttpsOta.create().url(server.url()).allowHttp(true)
                    .begin(SimulatedTarget.of(device));
            while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                continue;
            }
            ota.finish();
            assertThatThrownBy(ota::abort).isInstanceOfSatisfying(OtaException.class,
                    e -> assertThat(e.error()).isEqualTo(OtaError.INVALID_STATE));
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    /**
     * {@code ota_resumption} through the handle: a first begin/perform cut by an abort, a reboot, then a second
     * begin continues from the journal (state RESUME), reads the descriptor back from flash and fetches only the
     * rest.
     */
    @ParameterizedTest(name = "encrypted {0}")
    @ValueSource(booleans = {false, true})
    void beginWithResumeContinuesFromTheJournal(boolean encrypted) throws IOException {
        byte[] image = TestImages.app(Chip.ESP32_C3, "2.0", 100_000);
        EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
        byte[] served = encrypted ? ImageEncryptor.encrypt(image, EncryptionKey.forDevice(key)) : image;
        Files.write(dir.resolve("app.bin"), served);
        Device device = device();
        try (RunningImageServer first = ImageServer.create().directory(dir).host("127.0.0.1").port(0).bindNow();
                RunningImageServer second = ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                        .bindNow()) {
            EspHttpsOtaHandle cut = resumable(first.url("app.bin"), encrypted, key).begin(SimulatedTarget.of(device));
            assertThat(cut.events()).noneMatch(OtaEvent.Resumed.class::isInstance);
            while (cut.getImageLenRead() < 40_000) {
                assertThat(cut.perform()).isEqualTo(EspHttpsOtaHandle.Progress.IN_PROGRESS);
            }
            long cutAt = cut.getImageLenRead();
            cut.abort();
            assertThat(ResumeTest.journal(device)).as("abort keeps the journal").containsKey("nvs_ota_wr_len");
            assertThat(device.reboot().bootedLabel()).isEqualTo("factory");

            EspHttpsOtaHandle ota = resumable(second.url("app.bin"), encrypted, key).begin(SimulatedTarget.of(device));
            OtaEvent.Resumed resumed = ota.events().stream().filter(OtaEvent.Resumed.class::isInstance)
                    .map(OtaEvent.Resumed.class::cast).findFirst().orElseThrow(() -> new AssertionError(
                            "begin did not resume: " + ota.events()));
            assertThat(resumed.offset()).isPositive().isLessThanOrEqualTo(cutAt).isGreaterThan(cutAt - 8192);
            assertThat(ota.getImageLenRead()).as("RESUME counts the offset before any perform")
                    .isEqualTo(resumed.offset());
            assertThat(ota.getImageSize()).isEqualTo(image.length);
            assertThat(ota.getImgDesc().version()).as("read back from ota_0").isEqualTo("2.0");
            assertThat(ota.events()).noneMatch(e -> e instanceof OtaEvent.FlashWritten);
            long before = ota.getImageLenRead();
            while (ota.perform() == EspHttpsOtaHandle.Progress.IN_PROGRESS) {
                assertThat(ota.getImageLenRead()).isGreaterThan(before);
                before = ota.getImageLenRead();
            }
            assertThat(ota.getImageLenRead()).isEqualTo(image.length);
            assertThat(ota.isCompleteDataReceived()).isTrue();
            ota.finish();
            assertThat(second.requests().bodyBytes()).as("the second begin fetched only the rest")
                    .isEqualTo(served.length - resumed.fetchOffset());
        }
        assertThat(ResumeTest.journal(device)).as("cleared on success").isEmpty();
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        assertThat(device.flash().read(ota0.offset(), image.length)).isEqualTo(image);
    }

    private static HttpsOta resumable(String url, boolean encrypted, EccDecryptionKey key) {
        HttpsOta ota = HttpsOta.create().url(url).allowHttp(true).resume(true).resumeJournalInterval(4096);
        return encrypted ? ota.decryptionKey(key) : ota;
    }
}
