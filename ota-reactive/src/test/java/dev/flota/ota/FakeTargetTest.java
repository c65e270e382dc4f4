package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.OtaTarget;
import dev.flota.ota.target.TargetException;
import dev.flota.ota.target.TargetIdentity;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The engine on a target that is not the simulator: a fake that records every call and keeps the written bytes. The
 * engine must call it as {@code esp_https_ota} calls {@code esp_ota_*}: next update partition, the header checks,
 * {@code esp_ota_begin} with sequential writes, the writes in order, {@code esp_ota_end}, then
 * {@code esp_ota_set_boot_partition} of the staging slot; and {@code esp_ota_abort} without the last two on a
 * failure or a cancellation.
 */
class FakeTargetTest {

    private static final List<String> SUCCESS = List.of("nextUpdatePartition(null)", "identity()",
            "begin(ota_0, OTA_WITH_SEQUENTIAL_WRITES)", "write", "end()", "setBootPartition(ota_0)");

    @Test
    void plainWholeImage() {
        byte[] image = TestDevices.app("2.0");
        RecordingTarget target = new RecordingTarget();
        try (ByteServer server = new ByteServer(image)) {
            HttpsOta.create().url(server.url()).allowHttp(true).update(target).blockLast(Duration.ofSeconds(30));
        }
        assertThat(target.calls()).containsExactlyElementsOf(SUCCESS);
        assertThat(target.written()).isEqualTo(image);
    }

    @Test
    void aWholeImageReachesTheFlashInChunksOfHalfTheBufferAtMost() {
        byte[] image = TestImages.app(Chip.ESP32_C3, "2.0", 120_000);
        RecordingTarget target = new RecordingTarget();
        try (ByteServer server = new ByteServer(image)) {
            HttpsOta.create().url(server.url()).allowHttp(true).maxBufferedBytes(8192).update(target)
                    .blockLast(Duration.ofSeconds(30));
        }
        assertThat(target.calls()).containsExactlyElementsOf(SUCCESS);
        assertThat(target.writes).as("the HTTP decoder splits the body to the 4 KiB slice").allMatch(n -> n <= 4096);
        assertThat(target.written()).isEqualTo(image);
    }

    @Test
    void partialDownload() {
        byte[] image = TestImages.app(Chip.ESP32_C3, "2.0", 40_000);
        RecordingTarget target = new RecordingTarget();
        try (ByteServer server = new ByteServer(image)) {
            HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(true).maxHttpRequestSize(4096)
                    .update(target).blockLast(Duration.ofSeconds(30));
            assertThat(server.requests.get()).as("HEAD, then one request per 4 KiB")
                    .isEqualTo(1 + (image.length + 4095) / 4096);
        }
        assertThat(target.calls()).containsExactlyElementsOf(SUCCESS);
        assertThat(target.writes).as("every write is one request's bytes or less").allMatch(n -> n <= 4096);
        assertThat(target.written()).isEqualTo(image);
    }

    @Test
    void bulkEraseErasesTheImageLengthOnceItIsKnown() {
        byte[] image = TestImages.app(Chip.ESP32_C3, "2.0", 20_000);
        for (boolean partial : new boolean[] {false, true}) {
            RecordingTarget target = new RecordingTarget();
            try (ByteServer server = new ByteServer(image)) {
                HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(partial).bulkFlashErase(true)
                        .update(target).blockLast(Duration.ofSeconds(30));
            }
            assertThat(target.calls()).as("partial " + partial).contains("begin(ota_0, " + image.length + ")");
        }
    }

    @Test
    void preEncryptedImageIsWrittenAsPlaintext() {
        byte[] image = TestImages.app(Chip.ESP32_C3, "2.0", 20_000);
        EccDecryptionKey deviceKey = DecryptionKey.fromHmacKey(new byte[32]);
        byte[] encrypted = ImageEncryptor.encrypt(image, EncryptionKey.forDevice(deviceKey));
        RecordingTarget target = new RecordingTarget();
        try (ByteServer server = new ByteServer(encrypted)) {
            HttpsOta.create().url(server.url()).allowHttp(true).decryptionKey(deviceKey).update(target)
                    .blockLast(Duration.ofSeconds(30));
        }
        assertThat(target.calls()).containsExactlyElementsOf(SUCCESS);
        assertThat(target.written()).isEqualTo(image);
    }

    @Test
    void imageForAnotherChipIsRefusedBeforeBegin() {
        RecordingTarget target = new RecordingTarget();
        try (ByteServer server = new ByteServer(TestImages.app(Chip.ESP32_S3, "2.0", 1000))) {
            assertThatThrownBy(() -> HttpsOta.create().url(server.url()).allowHttp(true).update(target)
                    .blockLast(Duration.ofSeconds(30))).isInstanceOfSatisfying(OtaException.class,
                            e -> assertThat(e.error()).isEqualTo(OtaError.INVALID_VERSION));
        }
        assertThat(target.calls()).containsExactly("nextUpdatePartition(null)", "identity()");
    }

    @Test
    void aFailingWriteAbortsAndNeverSwitches() throws InterruptedException {
        RecordingTarget target = new RecordingTarget();
        target.failWrite = 3;
        try (ByteServer server = new ByteServer(TestImages.app(Chip.ESP32_C3, "2.0", 60_000))) {
            assertThatThrownBy(() -> HttpsOta.create().url(server.url()).allowHttp(true).update(target)
                    .blockLast(Duration.ofSeconds(30))).isInstanceOfSatisfying(OtaException.class, e -> {
                        assertThat(e.error()).isEqualTo(OtaError.FLASH_FAIL);
                        assertThat(e.error().espName()).isEqualTo("ESP_ERR_FLASH_OP_FAIL");
                    });
        }
        assertThat(target.aborted.await(10, TimeUnit.SECONDS)).as("esp_ota_abort called").isTrue();
        assertThat(target.calls()).containsExactly("nextUpdatePartition(null)", "identity()",
                "begin(ota_0, OTA_WITH_SEQUENTIAL_WRITES)", "write", "abort()");
    }

    @Test
    void anImageThatDoesNotVerifyAtEndNeverSwitches() {
        byte[] image = TestDevices.app("2.0");
        image[image.length - 40] ^= 1;
        RecordingTarget target = new RecordingTarget();
        try (ByteServer server = new ByteServer(image)) {
            assertThatThrownBy(() -> HttpsOta.create().url(server.url()).allowHttp(true).update(target)
                    .blockLast(Duration.ofSeconds(30))).isInstanceOfSatisfying(OtaException.class,
                            e -> assertThat(e.error()).isEqualTo(OtaError.VALIDATE_FAILED));
        }
        assertThat(target.calls()).containsExactly("nextUpdatePartition(null)", "identity()",
                "begin(ota_0, OTA_WITH_SEQUENTIAL_WRITES)", "write", "end()");
    }

    @Test
    void cancellingAbortsAndNeverSwitches() throws InterruptedException {
        RecordingTarget target = new RecordingTarget();
        try (ByteServer server = new ByteServer(TestImages.app(Chip.ESP32_C3, "2.0", 100_000))) {
            HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(true).maxHttpRequestSize(4096)
                    .update(target).takeUntil(e -> e instanceof OtaEvent.FlashWritten)
                    .blockLast(Duration.ofSeconds(30));
            assertThat(target.aborted.await(10, TimeUnit.SECONDS)).as("esp_ota_abort called").isTrue();
        }
        assertThat(target.calls()).containsExactly("nextUpdatePartition(null)", "identity()",
                "begin(ota_0, OTA_WITH_SEQUENTIAL_WRITES)", "write", "abort()");
        assertThat(target.written().length).isLessThan(100_000);
    }

    /** An ESP32-C3 running its factory app, with the OTA state in memory; records every call, writes collapsed. */
    static final class RecordingTarget implements OtaTarget {
        private static final TargetIdentity IDENTITY = new TargetIdentity(Chip.ESP32_C3, 0, false, 0, 0);
        private final PartitionTable table = TestDevices.table(TestDevices.FACTORY_TWO_SLOTS);
        private final List<String> calls = new ArrayList<>();
        private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        final List<Integer> writes = new ArrayList<>();
        final CountDownLatch aborted = new CountDownLatch(1);
        int failWrite = -1;

        synchronized List<String> calls() {
            List<String> collapsed = new ArrayList<>();
            for (String call : calls) {
                if (!(call.equals("write") && !collapsed.isEmpty() && collapsed.get(collapsed.size() - 1)
                        .equals("write"))) {
                    collapsed.add(call);
                }
            }
            return collapsed;
        }

        synchronized byte[] written() {
            return bytes.toByteArray();
        }

        private synchronized void record(String call) {
            calls.add(call);
        }

        @Override
        public TargetIdentity identity() {
            record("identity()");
            return IDENTITY;
        }

        @Override
        public PartitionTable partitionTable() {
            return table;
        }

        @Override
        public Optional<Partition> runningPartition() {
            return table.factory();
        }

        @Override
        public Optional<AppDescription> runningApp() {
            return Optional.of(TestImages.description("1.0", 0));
        }

        @Override
        public Optional<Partition> nextUpdatePartition(Partition start) {
            record("nextUpdatePartition(" + (start == null ? "null" : start.label()) + ")");
            return table.otaApp(0);
        }

        @Override
        public OtaSession begin(Partition partition, long imageSize) {
            record("begin(" + partition.label() + ", " + (imageSize == OTA_WITH_SEQUENTIAL_WRITES
                    ? "OTA_WITH_SEQUENTIAL_WRITES" : imageSize == OTA_SIZE_UNKNOWN ? "OTA_SIZE_UNKNOWN"
                    : Long.toString(imageSize)) + ")");
            return new Session(partition);
        }

        @Override
        public void setBootPartition(Partition partition) {
            record("setBootPartition(" + partition.label() + ")");
        }

        @Override
        public Optional<Partition> bootPartition() {
            return table.factory();
        }

        @Override
        public ImageVerification verifySignature(Partition partition, ImageKind kind, SecureBootKey key) {
            record("verifySignature(" + partition.label() + ")");
            return verify(partition, kind).signaturePolicy(SignaturePolicy.signedOnUpdate(key)).verdict();
        }

        @Override
        public boolean mayBlock() {
            return false;
        }

        private Verification verify(Partition partition, ImageKind kind) {
            return new Verification(VerifyOptions.defaults().device(IDENTITY.chip(), IDENTITY.chipRevision())
                    .expectKind(kind).partitionSize(partition.size()), written());
        }

        private record Verification(VerifyOptions options, byte[] image) {
            Verification signaturePolicy(SignaturePolicy policy) {
                return new Verification(options.signaturePolicy(policy), image);
            }

            ImageVerification verdict() {
                return ImageVerifier.verify(image, options);
            }
        }

        private final class Session implements OtaSession {
            private final Partition partition;
            private boolean open = true;

            Session(Partition partition) {
                this.partition = partition;
            }

            @Override
            public Partition partition() {
                return partition;
            }

            @Override
            public void setFinalPartition(Partition finalPartition, boolean copy) {
                record("setFinalPartition(" + finalPartition.label() + ", " + copy + ")");
            }

            @Override
            public void write(ByteBuffer data) {
                record("write");
                synchronized (RecordingTarget.this) {
                    if (writes.size() + 1 == failWrite) {
                        throw new TargetException(EspError.ESP_ERR_FLASH_OP_FAIL, "write " + failWrite + " failed");
                    }
                    writes.add(data.remaining());
                    byte[] chunk = new byte[data.remaining()];
                    data.get(chunk);
                    bytes.writeBytes(chunk);
                }
            }

            @Override
            public void writeWithOffset(ByteBuffer data, long offset) {
                throw new UnsupportedOperationException("the engine writes sequentially");
            }

            @Override
            public Optional<ImageVerification> end() {
                record("end()");
                open = false;
                ImageVerification verdict = verify(partition, ImageKind.APP).verdict();
                if (!verdict.valid()) {
                    throw new TargetException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, verdict.findings().toString());
                }
                return Optional.of(verdict);
            }

            @Override
            public void abort() {
                record("abort()");
                open = false;
                aborted.countDown();
            }

            @Override
            public boolean isOpen() {
                return open;
            }
        }
    }
}
