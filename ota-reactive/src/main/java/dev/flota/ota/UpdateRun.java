package dev.flota.ota;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.PartitionImages;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.ota.OtaHandle;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.ota.encrypted.DecryptEvent;
import dev.flota.ota.encrypted.EncryptedImageHeader;
import dev.flota.ota.encrypted.EncryptedImages;
import dev.flota.ota.http.FetchException;
import dev.flota.ota.http.FetchListener;
import dev.flota.ota.http.FetchSettings;
import dev.flota.ota.http.ImageFetcher;
import dev.flota.ota.pipeline.FlashSink;
import dev.flota.ota.pipeline.ImageInspection;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * One update of one device: fetch, decrypt, inspect, write, then (once {@code gate} completes) verify and switch the
 * boot partition. Keeps the counters the events, the metrics and the ESP-style handle report.
 */
final class UpdateRun {

    /**
     * Largest view the fetched chunks are cut into. Only {@code maxBufferedBytes / slice} views are requested ahead,
     * which bounds the bytes held per update and lets the connection read in batches. When the flash may block, the
     * rest of the pipeline runs on the flash scheduler; a flash held in memory is decrypted, inspected and written on
     * the event loop as the views arrive, without a thread hand-off.
     */
    private static final int MAX_SLICE = 16 * 1024;

    private final UpdateSettings settings;
    private final Device device;
    private final Consumer<OtaEvent> emit;
    private final OtaMetrics metrics;
    private final Mono<Void> gate;
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong wasted = new AtomicLong();
    private final AtomicLong decrypted = new AtomicLong();
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile ImageFetcher fetcher;
    private volatile long phaseStart;
    private volatile boolean dataComplete;
    private long reportedBuffered;
    private final BufferBudget.Account budget;
    private long consumedReleased;
    private volatile long peakBuffered;
    private long lastWritten;

    UpdateRun(UpdateSettings settings, Device device, Consumer<OtaEvent> emit, OtaMetrics metrics, Mono<Void> gate) {
        this.settings = settings;
        this.device = device;
        this.emit = emit;
        this.metrics = metrics;
        this.gate = gate;
        this.budget = settings.bufferBudget == null ? null : settings.bufferBudget.account();
    }

    Mono<Void> run() {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            phaseStart = start;
            emit.accept(new OtaEvent.Started(settings.url.toString()));
            metrics.inFlight().incrementAndGet();
            return Mono.defer(this::attempt)
                    .retryWhen(Retry.max(settings.maxImageRestarts)
                            .filter(e -> e instanceof FetchException f && f.reason() == FetchException.Reason.IMAGE_CHANGED)
                            .doBeforeRetry(signal -> restart())
                            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                    .timeout(settings.deadline, settings.timer)
                    .onErrorMap(OtaErrors::of)
                    .doOnSuccess(v -> metrics.outcome("success", "none", Duration.ofNanos(System.nanoTime() - start)))
                    .doOnError(e -> metrics.outcome("failure", ((OtaException) e).error().name(),
                            Duration.ofNanos(System.nanoTime() - start)))
                    .doOnCancel(() -> metrics.outcome("cancelled", "none", Duration.ofNanos(System.nanoTime() - start)))
                    .doOnTerminate(this::settle)
                    .doOnCancel(this::settle);
        });
    }

    /**
     * Takes the update out of the in-flight and buffered gauges and gives its budget back, once. Runs before the
     * terminal signal travels on, so whoever sees the update end sees the gauges settled.
     */
    private void settle() {
        if (!settled.compareAndSet(false, true)) {
            return;
        }
        metrics.inFlight().decrementAndGet();
        reportBuffered(0);
        if (budget != null) {
            budget.releaseAll();
        }
    }

    /** Views of at most {@code slice} bytes over {@code chunk}; no copy. */
    static java.util.List<ByteBuffer> slices(ByteBuffer chunk, int slice) {
        if (chunk.remaining() <= slice) {
            return java.util.List.of(chunk);
        }
        java.util.List<ByteBuffer> views = new java.util.ArrayList<>(chunk.remaining() / slice + 1);
        for (int at = chunk.position(); at < chunk.limit(); at += slice) {
            views.add(chunk.slice(at, Math.min(slice, chunk.limit() - at)));
        }
        return views;
    }

    long bytesWritten() {
        return written.get();
    }

    long imageSize() {
        ImageFetcher f = fetcher;
        long size = f == null ? -1 : f.imageSize();
        return size < 0 || settings.decryptionKey == null ? size : size - EncryptedImageHeader.SIZE;
    }

    int lastStatus() {
        ImageFetcher f = fetcher;
        return f == null ? -1 : f.lastStatus();
    }

    boolean completeDataReceived() {
        return dataComplete;
    }

    private Mono<Void> attempt() {
        OtaOperations ota = OtaOperations.on(device);
        Partition staging = staging(ota);
        Partition target = settings.finalPartition == null ? staging : partition(settings.finalPartition);
        ImageFetcher current = ImageFetcher.create(fetchSettings(), new Listener());
        fetcher = current;
        int slice = Math.min(MAX_SLICE, settings.maxBufferedBytes / 2);
        Flux<ByteBuffer> data = current.fetch(0).concatMapIterable(chunk -> slices(chunk, slice), 1)
                .publishOn(device.flash().mayBlock() ? settings.flashScheduler : Schedulers.immediate(),
                        Math.max(1, settings.maxBufferedBytes / slice));
        if (settings.decryptionKey != null) {
            data = data.transform(EncryptedImages.decrypt(settings.decryptionKey, this::onDecrypt));
        }
        ImageKind kind = target.type() == Partition.TYPE_APP ? ImageKind.APP
                : target.type() == Partition.TYPE_BOOTLOADER ? ImageKind.BOOTLOADER : null;
        if (kind != null) {
            data = data.transform(ImageInspection.inspect(device, kind, settings.policy, event -> {
                if (event instanceof OtaEvent.ChipRevisionVerified) {
                    phase("inspect");
                }
                emit.accept(event);
            }));
        }
        long eraseSize = !settings.bulkFlashErase ? OtaOperations.OTA_WITH_SEQUENTIAL_WRITES
                : imageSize() > 0 ? imageSize() : OtaOperations.OTA_SIZE_UNKNOWN;
        FlashSink sink = new FlashSink(staging, target, settings.finalizeWithCopy, eraseSize,
                settings.flashScheduler, settings.realFlashTiming, metrics::phase);
        return data.doOnComplete(() -> dataComplete = true)
                .as(sink.into(ota, this::onFlashEvent, written))
                .doOnNext(handle -> phase("write"))
                .flatMap(handle -> gate.then(finish(ota, handle, staging, target, kind)));
    }

    private Mono<Void> finish(OtaOperations ota, OtaHandle handle, Partition staging, Partition target,
            ImageKind kind) {
        return Mono.<Void>fromRunnable(() -> {
            handle.end();
            if (kind != null && !settings.verifyKeys.isEmpty()) {
                verifySignature(staging, kind);
            }
            phase("verify");
            if (target.type() == Partition.TYPE_APP) {
                if (target.isOtaApp() || target.equals(staging)) {
                    ota.setBootPartition(staging);
                }
                phase("boot_switch");
                emit.accept(new OtaEvent.BootPartitionUpdated(target.isOtaApp() ? staging.label() : target.label(),
                        target.subtype()));
            }
            emit.accept(new OtaEvent.Finished(written.get(), wasted.get(), peakBuffered));
        }).subscribeOn(settings.flashScheduler);
    }

    private void verifySignature(Partition staging, ImageKind kind) {
        for (SecureBootKey key : settings.verifyKeys) {
            ImageVerification v = PartitionImages.verify(device.flash(), staging, device.verifyOptions(kind, staging)
                    .signaturePolicy(SignaturePolicy.signedOnUpdate(key)));
            if (v.valid()) {
                return;
            }
        }
        throw new OtaException(OtaError.VALIDATE_FAILED, "no trusted key verifies the image's Secure Boot V2 "
                + "signature (" + settings.verifyKeys.size() + " key(s) tried)");
    }

    private Partition staging(OtaOperations ota) {
        if (settings.stagingPartition != null) {
            return partition(settings.stagingPartition);
        }
        return ota.getNextUpdatePartition(null).orElseThrow(() -> new OtaException(OtaError.NOT_FOUND,
                "the partition table has no OTA app partition to update"));
    }

    private Partition partition(String label) {
        return device.partitionTable().find(label).orElseThrow(() -> new OtaException(OtaError.NOT_FOUND,
                "no partition '" + label + "'"));
    }

    private void restart() {
        wasted.addAndGet(fetched.get());
        metrics.bytes("wasted", fetched.get());
        reportBuffered(0);
        fetched.set(0);
        written.set(0);
        lastWritten = 0;
        decrypted.set(0);
        dataComplete = false;
        releaseBudget();
    }

    /** Moves the shared gauge by this update's change in bytes fetched but not yet on flash. */
    private synchronized void reportBuffered(long now) {
        metrics.buffered().addAndGet(now - reportedBuffered);
        reportedBuffered = now;
        peakBuffered = Math.max(peakBuffered, now);
    }

    /** Reports the bytes fetched and not yet on flash, and gives the consumed ones back to the buffer budget. */
    private void updateBuffered() {
        long overhead = settings.decryptionKey == null ? 0 : Math.min(fetched.get(), EncryptedImageHeader.SIZE);
        long consumed = overhead + written.get();
        reportBuffered(Math.max(0, fetched.get() - consumed));
        long back;
        synchronized (this) {
            back = Math.max(0, consumed - consumedReleased);
            consumedReleased = Math.max(consumed, consumedReleased);
        }
        if (budget != null && back > 0) {
            budget.release(back);
        }
    }

    private void releaseBudget() {
        synchronized (this) {
            consumedReleased = 0;
        }
        if (budget != null) {
            budget.releaseAll();
        }
    }

    private void onDecrypt(DecryptEvent event) {
        if (event instanceof DecryptEvent.Decrypted d) {
            metrics.bytes("decrypted", d.cumulativeBytes() - decrypted.getAndSet(d.cumulativeBytes()));
            emit.accept(new OtaEvent.Decrypted(d.cumulativeBytes()));
        }
    }

    private void onFlashEvent(OtaEvent event) {
        if (event instanceof OtaEvent.FlashWritten w) {
            metrics.bytes("written", w.cumulativeBytes() - lastWritten);
            lastWritten = w.cumulativeBytes();
            updateBuffered();
        }
        emit.accept(event);
    }

    private void phase(String name) {
        long now = System.nanoTime();
        metrics.phase(name, Duration.ofNanos(now - phaseStart));
        phaseStart = now;
    }

    private FetchSettings fetchSettings() {
        return new FetchSettings(settings.url, settings.partialHttpDownload, settings.maxHttpRequestSize,
                settings.maxRedirects, settings.username, settings.password, settings.maxAuthorizationRetries,
                settings.connectTimeout, settings.readTimeout, settings.maxRetries, settings.minBackoff,
                settings.maxBackoff, settings.allowHttp, settings.tls, settings.requestHook, settings.connections,
                settings.timer, budget == null ? null : budget::reserve);
    }

    /** Fetch progress into events and meters. */
    private final class Listener implements FetchListener {
        private boolean firstByte;

        @Override
        public void onRequest(String method) {
            metrics.request(method);
        }

        @Override
        public void onResponse(int status) {
            metrics.response(status);
        }

        @Override
        public void onConnected(int status, long size) {
            phase("connect");
            emit.accept(new OtaEvent.Connected(status, size));
        }

        @Override
        public void onBytes(int count) {
            if (!firstByte) {
                firstByte = true;
                phase("first_byte");
            }
            fetched.addAndGet(count);
            metrics.bytes("fetched", count);
            updateBuffered();
        }
    }
}
