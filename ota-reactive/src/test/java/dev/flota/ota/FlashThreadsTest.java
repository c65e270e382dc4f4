package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashProvisioning;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.pipeline.FlashSink;
import dev.flota.ota.sim.SimulatedTarget;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.scheduler.Schedulers;

/**
 * Which threads touch the flash: a flash kept in a file (blocking I/O) is never written on an event loop, a flash kept
 * in memory is written where the bytes arrive, without a hand-off per chunk. BlockHound also fails these updates if
 * anything blocks an event loop, including the key agreement of a pre-encrypted image.
 */
class FlashThreadsTest {

    private static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(booleans = {true, false})
    void blockingFlashIsWrittenOffTheEventLoopAndMemoryFlashOnIt(boolean fileBacked) {
        RecordingStorage storage = new RecordingStorage(fileBacked
                ? FlashStorage.file(dir.resolve("flash.bin"), 4 << 20) : FlashStorage.inMemory(4 << 20));
        NorFlash flash = NorFlash.create(storage, FlashConfig.defaults().timing(FlashTiming.instant()));
        FlashProvisioning.provision(flash, TestDevices.table(TestDevices.FACTORY_TWO_SLOTS), 0x8000,
                TestDevices.app("1.0"));
        storage.threads.clear();
        Device device = Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3));
        byte[] encrypted = ImageEncryptor.encrypt(TestDevices.app("2.0"), EncryptionKey.forDevice(KEY));
        try (ByteServer server = new ByteServer(encrypted)) {
            HttpsOta.create().url(server.url()).allowHttp(true).decryptionKey(KEY).partialHttpDownload(true)
                    .maxHttpRequestSize(4096).update(SimulatedTarget.of(device)).blockLast(Duration.ofSeconds(30));
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(storage.threads).isNotEmpty();
        if (fileBacked) {
            assertThat(storage.threads).as("threads that wrote the file")
                    .allMatch(name -> !name.startsWith("reactor-"));
        } else {
            assertThat(storage.threads).as("threads that wrote memory").anyMatch(name -> name.startsWith("reactor-"));
        }
    }

    /**
     * A partial download keeps one connection and waits for it between ranges; that wait arms no timer, which Reactor
     * Netty's pool would otherwise schedule (and cancel) on the parallel scheduler for every range, a thread wake-up
     * each time.
     */
    @Test
    void rangesOnTheOwnConnectionScheduleNoTaskEach() {
        Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")),
                false);
        byte[] image = TestImages.builder(Chip.ESP32_C3, "2.0", 64 * 1024).build();
        AtomicInteger scheduled = new AtomicInteger();
        try (ByteServer server = new ByteServer(image)) {
            Schedulers.onScheduleHook("count", task -> {
                scheduled.incrementAndGet();
                return task;
            });
            try {
                HttpsOta.create().url(server.url()).allowHttp(true).partialHttpDownload(true).maxHttpRequestSize(4096)
                        .update(SimulatedTarget.of(device)).blockLast(Duration.ofSeconds(30));
            } finally {
                Schedulers.resetOnScheduleHook("count");
            }
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(scheduled.get()).as("tasks scheduled for %d ranges", (image.length + 4095) / 4096).isLessThan(8);
    }

    /**
     * One update reads its memory flash back on the flash scheduler, every 256 KiB, and ends there: the other core
     * does that work. Once more updates write to memory than the JVM has processors (here: updates waiting for a
     * server that never answers), every core has updates of its own, and the same update reads back and ends on the
     * thread that writes, without a thread hand-off per step. The waiting updates, cancelled, no longer count.
     */
    @Test
    void updatesOutnumberingTheCoresReadMemoryFlashBackWhereTheyWriteIt() throws IOException {
        byte[] image = TestImages.builder(Chip.ESP32_C3, "2.0", 320 * 1024).build();
        try (ByteServer server = new ByteServer(image); ServerSocket silent = new ServerSocket(0, 64,
                InetAddress.getLoopbackAddress())) {
            int alone = tasksScheduledToUpdate(server);
            Disposable waiting = Flux.range(0, Runtime.getRuntime().availableProcessors() + 1)
                    .flatMap(i -> HttpsOta.create().url("http://127.0.0.1:" + silent.getLocalPort() + "/app.bin")
                            .allowHttp(true).timeouts(Duration.ofSeconds(60), Duration.ofSeconds(60),
                                    Duration.ofSeconds(60)).update(SimulatedTarget.of(freshDevice())))
                    .subscribe(event -> { }, error -> { });
            int saturated;
            try {
                assertThat(FlashSink.saturated()).as("with the waiting updates").isTrue();
                saturated = tasksScheduledToUpdate(server);
            } finally {
                waiting.dispose();
            }
            assertThat(FlashSink.saturated()).as("once they are cancelled").isFalse();
            assertThat(alone - saturated).as("hand-offs spared (%d tasks alone, %d among many)", alone, saturated)
                    .isGreaterThanOrEqualTo(2);
        }
    }

    /** A device with 512 KiB slots: room for a read-back step (256 KiB) and the tail the end checks. */
    private static Device freshDevice() {
        return TestDevices.device(TestDevices.flash(TestDevices.table(TestDevices.FACTORY_TWO_512K_SLOTS),
                TestDevices.app("1.0"), FlashStorage.inMemory(2 << 20)), false);
    }

    private static int tasksScheduledToUpdate(ByteServer server) {
        Device device = freshDevice();
        AtomicInteger scheduled = new AtomicInteger();
        Schedulers.onScheduleHook("count", task -> {
            scheduled.incrementAndGet();
            return task;
        });
        try {
            HttpsOta.create().url(server.url()).allowHttp(true).update(SimulatedTarget.of(device))
                    .blockLast(Duration.ofSeconds(30));
        } finally {
            Schedulers.resetOnScheduleHook("count");
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        return scheduled.get();
    }

    /** Remembers the threads that write (and, for a non-blocking storage, checks they may). */
    private static final class RecordingStorage implements FlashStorage {
        final Set<String> threads = ConcurrentHashMap.newKeySet();
        private final FlashStorage delegate;

        RecordingStorage(FlashStorage delegate) {
            this.delegate = delegate;
        }

        @Override
        public long size() {
            return delegate.size();
        }

        @Override
        public void read(long address, byte[] into, int offset, int length) {
            delegate.read(address, into, offset, length);
        }

        @Override
        public void write(long address, byte[] from, int offset, int length) {
            if (delegate.mayBlock()) {
                assertThat(Schedulers.isInNonBlockingThread()).as("a file written on a non-blocking thread").isFalse();
            }
            threads.add(Thread.currentThread().getName());
            delegate.write(address, from, offset, length);
        }

        @Override
        public void erase(long address, int length) {
            delegate.erase(address, length);
        }

        @Override
        public boolean mayBlock() {
            return delegate.mayBlock();
        }

        @Override
        public void close() {
            delegate.close();
        }
    }
}
