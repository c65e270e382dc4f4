package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.OtadataFlash;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderConnection;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaError;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.OtaException;
import dev.flota.ota.serial.link.SerialLink;
import dev.flota.ota.target.OtaSession;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * {@link SerialTarget} against the simulated chip in download mode ({@link LoaderDevice}) over its in-memory link:
 * detection on each chip, whole updates through {@link HttpsOta} in the ROM and the stub dialect after which the
 * simulated device boots the new app, and the bad links of issue 13 (silence, a dropped connection, a garbled frame,
 * a wrong MD5, cancellation), after which it still boots the old one.
 */
class SerialTargetTest {

    /** Not Espressif's: the simulated chip accepts any stub image and does not run it. */
    static final StubImage SYNTHETIC_STUB = syntheticStub();

    @TempDir
    static Path dir;
    private static ChipImages images;

    @BeforeAll
    static void serve() {
        images = ChipImages.serve(dir);
    }

    @AfterAll
    static void stop() {
        if (images != null) {
            images.close();
        }
    }

    static Device device(Chip chip) {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestImages.app(chip, "1.0", 1000));
        return Device.poweredOn(flash, DeviceProperties.of(chip).withChipRevision(chip == Chip.ESP32 ? 300 : 1));
    }

    static SerialConnector connector(LoaderDevice chip, UnaryOperator<SerialLink> wrap) {
        return SerialTarget.link(() -> {
            LoaderConnection connection = chip.connect();
            return wrap.apply(new StreamLink(connection.input(), connection.output(), connection));
        }, "in-memory " + chip).sleeper(d -> { });
    }

    static HttpsOta ota(Chip chip) {
        return images.ota(chip);
    }

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_S2", "ESP32_S3", "ESP32_C3", "ESP32_C6", "ESP32_H2"})
    void connectingDetectsTheChipAndReadsWhatRuns(Chip chip) {
        Device device = device(chip);
        try (SerialTarget target = connector(LoaderDevice.of(device), l -> l).connect()) {
            assertThat(target.chip()).isEqualTo(chip);
            assertThat(target.identity().chipRevision()).isEqualTo(device.properties().chipRevision());
            assertThat(target.mac()).isEqualTo(LoaderDevice.defaultMac());
            assertThat(target.flashSize()).isEqualTo(TestDevices.FLASH_SIZE);
            assertThat(target.usesStub()).isFalse();
            assertThat(target.partitionTable()).isEqualTo(device.partitionTable());
            assertThat(target.runningPartition().map(Partition::label)).contains("factory");
            assertThat(target.runningApp().orElseThrow().version()).isEqualTo("1.0");
            assertThat(target.nextUpdatePartition(null).map(Partition::label)).contains("ota_0");
        }
    }

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_C3"})
    void anUpdateThroughTheRomBootsTheNewApp(Chip chip) {
        Device device = device(chip);
        LoaderDevice loader = LoaderDevice.of(device);
        try (SerialTarget target = connector(loader, l -> l).connect()) {
            List<OtaEvent> events = ota(chip).update(target).collectList().block(Duration.ofSeconds(60));
            assertThat(events).anyMatch(e -> e instanceof OtaEvent.FlashWritten);
            assertThat(target.bootPartition().map(Partition::label)).contains("ota_0");
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(device.runningPartition().map(Partition::label)).contains("ota_0");
    }

    @Test
    void anUpdateThroughTheStubBootsTheNewAppAndASecondOneSwitchesBack() {
        Device device = device(Chip.ESP32_S3);
        LoaderDevice loader = LoaderDevice.of(device);
        try (SerialTarget target = connector(loader, l -> l).stub(SYNTHETIC_STUB).baud(921600).connect()) {
            assertThat(target.usesStub()).isTrue();
            ota(Chip.ESP32_S3).update(target).blockLast(Duration.ofSeconds(60));
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        loader.reset();
        try (SerialTarget target = connector(loader, l -> l).stub(SYNTHETIC_STUB).connect()) {
            assertThat(target.runningPartition().map(Partition::label)).contains("ota_0");
            ota(Chip.ESP32_S3).update(target).blockLast(Duration.ofSeconds(60));
            assertThat(target.bootPartition().map(Partition::label)).contains("ota_1");
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(device.runningPartition().map(Partition::label)).contains("ota_1");
    }

    @Test
    void theChipsAcksPaceTheBlocksAndARealPortIsResetBeforeAndAfter() {
        for (StubImage stub : new StubImage[] {null, SYNTHETIC_STUB}) {
            Device device = device(Chip.ESP32_C3);
            ObservedLink[] link = new ObservedLink[1];
            SerialConnector connector = connector(LoaderDevice.of(device), l -> link[0] = new ObservedLink(l));
            try (SerialTarget target = (stub == null ? connector : connector.stub(stub)).baud(460800).connect()) {
                assertThat(link[0].lines).as("ClassicReset into the loader, then the new baud rate")
                        .containsExactly("DTR=0", "RTS=1", "DTR=1", "RTS=0", "DTR=0", "baud=460800");
                ota(Chip.ESP32_C3).update(target).blockLast(Duration.ofSeconds(60));
            }
            assertThat(link[0].maxBlocksInFlight()).as(stub == null ? "ROM" : "stub").isEqualTo(stub == null ? 1 : 2);
            assertThat(link[0].lines.subList(6, link[0].lines.size())).as("HardReset, then close")
                    .containsExactly("RTS=1", "RTS=0", "closed");
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    @Test
    void theNextSegmentIsTakenWhileThePreviousOneIsStillOnTheWire() throws Exception {
        Device device = device(Chip.ESP32_C3);
        CountDownLatch release = new CountDownLatch(1);
        CountDownLatch firstBeginHeld = new CountDownLatch(1);
        AtomicInteger begins = new AtomicInteger();
        SlipDecoder sent = new SlipDecoder();
        UnaryOperator<SerialLink> holdSegments = link -> new ForwardingLink(link) {
            @Override
            public void write(byte[] bytes) throws IOException {
                for (byte[] frame : sent.feed(bytes, 0, bytes.length)) {
                    if (frame.length > 1 && (frame[1] & 0xFF) == LoaderOpcode.FLASH_DEFL_BEGIN.code()
                            && begins.incrementAndGet() == 1) {
                        firstBeginHeld.countDown();
                        try {
                            release.await(60, TimeUnit.SECONDS);
                        } catch (InterruptedException e) {
                            throw new InterruptedIOException("interrupted");
                        }
                    }
                }
                super.write(bytes);
            }
        };
        byte[] image = TestImages.app(Chip.ESP32_C3, "2.0", 30_000);
        int segment = 0x10000;
        CountDownLatch secondSegmentTaken = new CountDownLatch(1);
        try (SerialTarget target = connector(LoaderDevice.of(device), holdSegments).connect()) {
            Partition slot = target.partitionTable().otaApp(0).orElseThrow();
            OtaSession session = target.begin(slot, image.length);
            CompletableFuture<Void> writes = CompletableFuture.runAsync(() -> {
                for (int at = 0; at < image.length; at += 0x4000) {
                    session.write(ByteBuffer.wrap(image, at, Math.min(0x4000, image.length - at)));
                    if (at + 0x4000 > segment) {
                        secondSegmentTaken.countDown();
                    }
                }
            });
            try {
                assertThat(firstBeginHeld.await(30, TimeUnit.SECONDS)).as("the first segment's BEGIN is sent")
                        .isTrue();
                assertThat(secondSegmentTaken.await(30, TimeUnit.SECONDS))
                        .as("views of the second 64 KiB ROM segment taken while the first one's BEGIN is held")
                        .isTrue();
                assertThat(begins).hasValue(1);
            } finally {
                release.countDown();
            }
            writes.get(30, TimeUnit.SECONDS);
            assertThat(session.end()).hasValueSatisfying(verdict -> assertThat(verdict.valid()).isTrue());
            assertThat(begins).as("one BEGIN per segment").hasValue((image.length + segment - 1) / segment);
            target.setBootPartition(slot);
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void aStubLeftRunningIsFoundBySyncAndUsedWithoutAnUpload() {
        LoaderDevice chip = LoaderDevice.of(device(Chip.ESP32_C3));
        try (SerialTarget target = connector(chip, l -> l).stub(SYNTHETIC_STUB).connect()) {
            assertThat(target.usesStub()).isTrue();
        }
        try (SerialTarget target = connector(chip, l -> l).connect()) {
            assertThat(target.usesStub()).as("all 8 SYNC values 0").isTrue();
            assertThat(target.runningApp().orElseThrow().version()).isEqualTo("1.0");
        }
        chip.reset();
        try (SerialTarget target = connector(chip, l -> l).connect()) {
            assertThat(target.usesStub()).isFalse();
        }
    }

    @Test
    void aChipThatStopsAnsweringTimesOutAndTheOldAppStillBoots() {
        OtaException e = failed(FaultyLink.Fault.SILENCE, LoaderOpcode.FLASH_DEFL_DATA, 3, OtaError.FLASH_TIMEOUT);
        assertThat(e).hasMessageContaining("timed out");
    }

    @Test
    void aDroppedConnectionIsALinkFailureAndTheOldAppStillBoots() {
        OtaException e = failed(FaultyLink.Fault.DROP, LoaderOpcode.FLASH_DEFL_DATA, 3, OtaError.FLASH_FAIL);
        assertThat(e.getCause()).isInstanceOfSatisfying(LoaderException.class,
                l -> assertThat(l.reason()).isEqualTo(LoaderException.Reason.LINK_CLOSED));
    }

    @Test
    void aGarbledFrameFailsTheUpdateAndTheOldAppStillBoots() {
        OtaException e = failed(FaultyLink.Fault.GARBLE, LoaderOpcode.FLASH_DEFL_DATA, 3, OtaError.FLASH_FAIL);
        assertThat(e.getCause()).isInstanceOfSatisfying(LoaderException.class,
                l -> assertThat(l.reason()).isEqualTo(LoaderException.Reason.GARBLED));
    }

    @Test
    void aWrongMd5FailsValidationAndOtadataIsUntouched() {
        Device device = device(Chip.ESP32_C3);
        Partition ota0 = device.partitionTable().find("ota_0").orElseThrow();
        byte[] otadataBefore = otadata(device);
        device.flash().faults().flipBitOnRead(ota0.offset() + 5000, 3);
        OtaException e = update(device, l -> l, OtaError.VALIDATE_FAILED);
        assertThat(e).hasMessageContaining("MD5 of file does not match data in flash");
        device.flash().faults().clear();
        assertThat(otadata(device)).isEqualTo(otadataBefore);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
    }

    @Test
    void aCancelledUpdateLeavesTheBootPartitionAlone() {
        Device device = device(Chip.ESP32_C3);
        byte[] otadataBefore = otadata(device);
        try (SerialTarget target = connector(LoaderDevice.of(device), l -> l).connect()) {
            ota(Chip.ESP32_C3).update(target).takeUntil(e -> e instanceof OtaEvent.FlashWritten w
                    && w.cumulativeBytes() >= 0x10000).blockLast(Duration.ofSeconds(60));
            assertThat(target.bootPartition().map(Partition::label)).contains("factory");
        }
        assertThat(otadata(device)).isEqualTo(otadataBefore);
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
    }

    @Test
    void bulkEraseWithoutAStubSaysTheStubIsNeeded() {
        try (SerialTarget target = connector(LoaderDevice.of(device(Chip.ESP32)), l -> l).connect()) {
            assertThatThrownBy(() -> target.loader().eraseFlash()).isInstanceOfSatisfying(LoaderException.class,
                    e -> assertThat(e.reason()).isEqualTo(LoaderException.Reason.STUB_REQUIRED))
                    .hasMessageContaining("--stub");
        }
    }

    private static OtaException failed(FaultyLink.Fault fault, LoaderOpcode opcode, int after, OtaError error) {
        Device device = device(Chip.ESP32_C3);
        byte[] otadataBefore = otadata(device);
        OtaException e = update(device, l -> new FaultyLink(l, opcode, after, fault), error);
        assertThat(otadata(device)).isEqualTo(otadataBefore);
        assertThat(device.reboot().appDescription().orElseThrow().version()).as("old firmware still boots")
                .isEqualTo("1.0");
        return e;
    }

    private static OtaException update(Device device, UnaryOperator<SerialLink> wrap, OtaError error) {
        LoaderTimeouts quick = LoaderTimeouts.esptool().withCommand(Duration.ofMillis(500));
        try (SerialTarget target = connector(LoaderDevice.of(device), wrap).timeouts(quick).connect()) {
            try {
                ota(Chip.ESP32_C3).update(target).blockLast(Duration.ofSeconds(60));
            } catch (OtaException e) {
                assertThat(e.error()).as(e.getMessage()).isEqualTo(error);
                return e;
            }
            throw new AssertionError("the update succeeded");
        }
    }

    private static byte[] otadata(Device device) {
        Partition p = device.partitionTable().otadata().orElseThrow();
        return OtadataFlash.read(device.flash(), p).encode();
    }

    private static StubImage syntheticStub() {
        Random random = new Random(13);
        byte[] text = new byte[7000];
        byte[] data = new byte[200];
        random.nextBytes(text);
        random.nextBytes(data);
        return new StubImage(text, 0x40378000L, data, 0x3FCB2DBCL, 0x40379474L);
    }
}
