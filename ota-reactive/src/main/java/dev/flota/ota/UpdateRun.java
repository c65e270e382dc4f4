package dev.flota.ota;

import dev.flota.flash.image.ImageKind;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.encrypted.DecryptEvent;
import dev.flota.ota.encrypted.EncryptedImageHeader;
import dev.flota.ota.encrypted.EncryptedImages;
import dev.flota.ota.http.FetchException;
import dev.flota.ota.http.FetchListener;
import dev.flota.ota.http.FetchSettings;
import dev.flota.ota.http.HttpSettings;
import dev.flota.ota.http.ImageFetcher;
import dev.flota.ota.http.TlsContext;
import dev.flota.ota.pipeline.ChunkArrays;
import dev.flota.ota.pipeline.FlashSink;
import dev.flota.ota.pipeline.ImageInspection;
import dev.flota.ota.pipeline.ResumeJournal;
import dev.flota.ota.pipeline.UpdateJournal;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.OtaTarget;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.util.retry.Retry;

/**
 * One update of one target: fetch, decrypt, inspect, write, then verify and switch the boot partition; with
 * {@link UpdateSteps}, at the caller's pace. Keeps the counters the events and the metrics report.
 */
final class UpdateRun {

    /**
     * Largest chunk, the HTTP decoder's {@code maxChunkSize} (Reactor Netty's default of 8 KiB cuts each 16 KiB TLS
     * record in two, and each chunk costs its trip through every stage), and the size of the reused chunk arrays.
     * Only {@code maxBufferedBytes / slice} chunks are requested ahead, which bounds the bytes held per update and
     * lets the connection read in batches. When the flash may block, the rest of the pipeline runs on the flash
     * scheduler; a flash held in memory is decrypted, inspected and written on the event loop as the chunks arrive,
     * without a thread hand-off.
     */
    private static final int MAX_SLICE = ChunkArrays.SIZE;

    private final UpdateSettings settings;
    private final TlsContext tls;
    private final OtaTarget target;
    private final Consumer<OtaEvent> emit;
    private final OtaMetrics metrics;
    private final UpdateSteps steps;
    private final WasteLedger ledger;
    private final UpdateJournal journal;
    private final AtomicLong written = new AtomicLong();
    private final AtomicLong decrypted = new AtomicLong();
    private final AtomicBoolean settled = new AtomicBoolean();
    private volatile boolean rangesIgnored;
    private volatile long phaseStart;
    private final BufferBudget.Account budget;
    private long lastWritten;
    private volatile long resumedAt;

    /** @param steps the caller's pace, or null to run freely */
    UpdateRun(UpdateSettings settings, TlsContext tls, OtaTarget target, Consumer<OtaEvent> emit, OtaMetrics metrics,
            UpdateSteps steps) {
        this.settings = settings;
        this.tls = tls;
        this.target = target;
        this.emit = steps == null ? emit : event -> {
            if (event instanceof OtaEvent.ImageDescriptionRead) {
                steps.headerRead();
            }
            emit.accept(event);
        };
        this.metrics = metrics;
        this.ledger = new WasteLedger(metrics);
        this.journal = new UpdateJournal(settings.image().decrypts());
        this.steps = steps;
        BufferBudget shared = settings.buffering().budget();
        this.budget = shared == null ? null : shared.account();
    }

    Mono<Void> run() {
        return Mono.defer(() -> {
            long start = System.nanoTime();
            phaseStart = start;
            emit.accept(new OtaEvent.Started(settings.http().url().toString()));
            metrics.inFlight().incrementAndGet();
            return Mono.defer(this::attempt)
                    .retryWhen(Retry.max(settings.retries().maxImageRestarts())
                            .filter(e -> e instanceof FetchException f && f.restartsImage())
                            .doBeforeRetry(signal -> restart())
                            .onRetryExhaustedThrow((spec, signal) -> signal.failure()))
                    .timeout(settings.timeouts().deadline(), settings.timer())
                    .onErrorMap(OtaErrors::of)
                    .doOnError(e -> journal.failed(((OtaException) e).error()))
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
        metrics.buffered(0);
        if (budget != null) {
            budget.releaseAll();
        }
    }

    private Mono<Void> attempt() {
        UpdatePartitions partitions = UpdatePartitions.of(settings.flash(), target);
        Optional<OtaResumption> resumption = settings.flash().resume() ? target.resumption() : Optional.empty();
        if (resumption.isEmpty()) {
            return attempt(partitions, null, null);
        }
        Mono<Optional<ResumeJournal.Continuation>> plan = Mono.fromCallable(() -> Optional.ofNullable(
                journal.plan(resumption.get(), partitions.staging(), discarded -> {
                    ledger.resumed(0, discarded.wastedBytes());
                    emit.accept(new OtaEvent.ResumeDiscarded(discarded.offset(), discarded.reason()));
                })));
        if (target.mayBlock()) {
            plan = plan.subscribeOn(settings.flash().scheduler());
        }
        return plan.flatMap(resume -> attempt(partitions, resumption.get(), resume.orElse(null)));
    }

    /**
     * Under a shared budget, a partial download is admitted before its pipeline is built, with the reservation the
     * fetcher would otherwise make first: in a fleet larger than the budget, an update waiting for its turn then holds
     * its place in the queue and nothing else (no client, connection pool, operators or decryptor), so the heap
     * carries the updates that run rather than all of them.
     */
    private Mono<Void> attempt(UpdatePartitions partitions, OtaResumption resumption,
            ResumeJournal.Continuation resume) {
        boolean admitted = budget != null && fetchHttp().partialDownload();
        Mono<Void> admission = admitted ? budget.reserve(settings.http().maxRequestSize()) : Mono.empty();
        return admission.then(Mono.defer(() -> pipeline(partitions, resumption, resume, admitted)));
    }

    private Mono<Void> pipeline(UpdatePartitions partitions, OtaResumption resumption,
            ResumeJournal.Continuation resume, boolean admitted) {
        Partition staging = partitions.staging();
        ImageFetcher current = ImageFetcher.create(fetchSettings(admitted), new Listener());
        if (settings.image().decrypts()) {
            current.payloadStart(EncryptedImageHeader.SIZE);
        }
        ResumeJournal resumed = resume == null ? null : resume.journal();
        long offset = resumed == null ? 0 : resumed.offset();
        long fetchOffset = resumed == null ? 0 : resume.fetchOffset();
        resumedAt = offset;
        if (resumed != null) {
            current.expect(resumed.imageSize(), resumed.validator());
            ledger.resumed(fetchOffset, resumed.wastedBytes());
            decrypted.set(offset);
            emit.accept(new OtaEvent.Resumed(offset, fetchOffset));
        }
        int maxBuffered = settings.buffering().maxBufferedBytes();
        int slice = slice();
        FlashSettings flash = settings.flash();
        LongSupplier eraseSize = () -> !flash.bulkErase() ? OtaTarget.OTA_WITH_SEQUENTIAL_WRITES
                : imageSize(current) > 0 ? imageSize(current) : OtaTarget.OTA_SIZE_UNKNOWN;
        FlashSink sink = new FlashSink(staging, partitions.finalPartition(), flash.finalizeWithCopy(), eraseSize,
                flash.scheduler(), flash.realTiming(), metrics::phase, offset);
        // chunks written in place come back to the pool once in flash; a smaller slice would waste its arrays
        boolean pooled = sink.writesInPlace(target) && slice == ChunkArrays.SIZE;
        Flux<ByteBuffer> fetched = current.fetch(fetchOffset, pooled ? ChunkArrays::take : ByteBuffer::allocate);
        if (steps != null) {
            fetched = steps.reads(fetched);
        }
        byte[] header = new byte[EncryptedImageHeader.SIZE];
        AtomicInteger headerFill = new AtomicInteger();
        if (settings.image().decrypts() && resumed == null && resumption != null) {
            fetched = fetched.doOnNext(chunk -> {
                int n = Math.min(chunk.remaining(), header.length - headerFill.get());
                if (n > 0) {
                    chunk.duplicate().get(header, headerFill.get(), n);
                    headerFill.addAndGet(n);
                }
            });
        }
        // no chunk is larger than the slice: it is the fetcher's maxChunkSize, which the HTTP decoder splits bodies to
        Flux<ByteBuffer> data = fetched.publishOn(target.mayBlock() ? flash.scheduler() : Schedulers.immediate(),
                        Math.max(1, maxBuffered / slice));
        if (settings.image().decrypts()) {
            data = data.transform(resumed == null
                    ? EncryptedImages.decrypt(settings.image().imageKeys(), this::onDecrypt)
                    : EncryptedImages.resume(settings.image().imageKeys(), resumed.encryptedHeader(),
                            resume.plaintext(), this::onDecrypt));
        }
        ImageKind kind = partitions.imageKind().orElse(null);
        if (kind != null && resumed == null) {
            data = data.transform(ImageInspection.inspect(target, kind, settings.image().policy(),
                    settings.image().verifySpiMode(), event -> {
                        if (event instanceof OtaEvent.ChipRevisionVerified) {
                            phase("inspect");
                        }
                        emit.accept(event);
                    }));
        }
        if (steps != null) {
            data = steps.writes(data);
        }
        journal.attempt(resumption, staging, flash.resumeJournalInterval(), offset,
                at -> ledger.wastedIfResumedAt(at + (settings.image().decrypts() ? EncryptedImageHeader.SIZE : 0)),
                () -> current.validator() == null || current.imageSize() < 0
                        || settings.image().decrypts() && headerFill.get() < header.length ? null
                        : new ResumeJournal(settings.http().url().toString(), current.validator(),
                                current.imageSize(), staging.label(), null, 0, null,
                                settings.image().decrypts() ? header : null, 0));
        Mono<Void> gate = steps == null ? Mono.empty() : steps.beforeFinish();
        return data.as(sink.into(target, this::onFlashEvent, written, pooled ? ChunkArrays::release : chunk -> { }))
                .doOnNext(session -> phase("write"))
                .flatMap(session -> gate.then(finish(session, partitions, kind, current)));
    }

    /** The image's size once known (without an encryption header), else -1. */
    private long imageSize(ImageFetcher fetcher) {
        long size = fetcher.imageSize();
        return size < 0 || !settings.image().decrypts() ? size : size - EncryptedImageHeader.SIZE;
    }

    /**
     * {@code esp_ota_end} (the rest of the image check), the signature check and the boot switch: on the flash
     * scheduler, or in place for a target that never blocks while the flash sinks are
     * {@linkplain FlashSink#saturated() saturated}.
     */
    private Mono<Void> finish(OtaSession session, UpdatePartitions partitions, ImageKind kind, ImageFetcher fetcher) {
        Partition staging = partitions.staging();
        Partition finalPartition = partitions.finalPartition();
        Mono<Void> finish = Mono.<Void>fromRunnable(() -> {
            session.end();
            if (kind != null && !settings.image().verifyKeys().isEmpty()) {
                verifySignature(staging, kind);
            }
            phase("verify");
            if (finalPartition.type() == Partition.TYPE_APP) {
                if (finalPartition.isOtaApp() || finalPartition.equals(staging)) {
                    target.setBootPartition(staging);
                }
                phase("boot_switch");
                emit.accept(new OtaEvent.BootPartitionUpdated(finalPartition.isOtaApp() ? staging.label()
                        : finalPartition.label(), finalPartition.subtype()));
            }
            // only now: a reset between clearing and the switch would boot the old app with no journal left
            journal.clear();
            emit.accept(new OtaEvent.Finished(written.get(), ledger.finish(fetcher.imageSize()),
                    metrics.peakBuffered()));
        });
        return !target.mayBlock() && FlashSink.saturated() ? finish : finish.subscribeOn(settings.flash().scheduler());
    }

    private void verifySignature(Partition staging, ImageKind kind) {
        List<SecureBootKey> keys = settings.image().verifyKeys();
        for (SecureBootKey key : keys) {
            if (target.verifySignature(staging, kind, key).valid()) {
                return;
            }
        }
        throw new OtaException(OtaError.VALIDATE_FAILED, "no trusted key verifies the image's Secure Boot V2 "
                + "signature (" + keys.size() + " key(s) tried)");
    }

    private void restart() {
        if (ledger.restart()) {
            emit.accept(new OtaEvent.ResumeDiscarded(resumedAt, "the server sent another image than the one the "
                    + "journal records (a 200 to If-Range): starting again from byte 0"));
            resumedAt = 0;
            journal.clear();
        }
        metrics.buffered(0);
        written.set(0);
        lastWritten = 0;
        decrypted.set(0);
        if (budget != null) {
            budget.restart();
        }
    }

    /** Reports the bytes fetched and not yet on flash, and gives the consumed ones back to the buffer budget. */
    private void updateBuffered() {
        long overhead = !settings.image().decrypts() || ledger.resumedFetch() > 0 ? 0
                : Math.min(ledger.fetched(), EncryptedImageHeader.SIZE);
        long consumed = overhead + written.get();
        metrics.buffered(Math.max(0, ledger.fetched() - consumed));
        if (budget != null) {
            budget.consumed(consumed);
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
            journal.written(resumedAt + w.cumulativeBytes());
        }
        emit.accept(event);
    }

    private void phase(String name) {
        long now = System.nanoTime();
        metrics.phase(name, Duration.ofNanos(now - phaseStart));
        phaseStart = now;
    }

    /**
     * The fetcher's settings ({@link #fetchHttp()}). When the update was {@code admitted} already, the fetcher's first
     * reservation (its admission) is the one made.
     */
    private FetchSettings fetchSettings(boolean admitted) {
        HttpSettings http = fetchHttp();
        LongFunction<Mono<Void>> gate = budget == null ? null : budget::reserve;
        if (admitted) {
            AtomicBoolean paid = new AtomicBoolean(true);
            gate = bytes -> paid.getAndSet(false) ? Mono.empty() : budget.reserve(bytes);
        }
        return new FetchSettings(http, settings.timeouts(), settings.retries(), settings.credentials(), tls,
                settings.timer(), gate, journalGate(http), slice());
    }

    /** Once the server ignored a Range, later attempts fetch the image with one plain GET. */
    private HttpSettings fetchHttp() {
        return rangesIgnored ? settings.http().withPartialDownload(false) : settings.http();
    }

    private int slice() {
        return Math.min(MAX_SLICE, settings.buffering().maxBufferedBytes() / 2);
    }

    /**
     * With resumption and ranged requests no larger than the journal interval allows, each range waits until the
     * journal covers every byte before it: the server then sends at most one request that a power cut makes it send
     * again, at the price of the pipeline draining at each range's end. A blocking target commits off the event loop.
     */
    private LongFunction<Mono<Void>> journalGate(HttpSettings http) {
        FlashSettings flash = settings.flash();
        if (!flash.resume() || !http.partialDownload() || flash.resumeJournalInterval() > http.maxRequestSize()) {
            return null;
        }
        return journal.gate(target, flash.scheduler());
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
        public void onRangeIgnored(long offset) {
            rangesIgnored = true;
            metrics.rangeIgnored(offset == 0 ? "plain_get" : "restart");
            emit.accept(new OtaEvent.RangeIgnored(offset));
        }

        @Override
        public void onDiscarded(int count) {
            ledger.onDiscarded(count);
        }

        @Override
        public void onBytes(int count) {
            if (!firstByte) {
                firstByte = true;
                phase("first_byte");
            }
            ledger.onBytes(count);
            updateBuffered();
        }
    }
}
