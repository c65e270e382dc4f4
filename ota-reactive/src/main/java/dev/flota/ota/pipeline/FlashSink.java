package dev.flota.ota.pipeline;

import dev.flota.flash.EspError;
import dev.flota.flash.partition.Partition;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.target.OtaSession;
import dev.flota.ota.target.OtaTarget;
import dev.flota.ota.target.TargetException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongConsumer;
import java.util.function.LongSupplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.SignalType;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * The flash sink: writes the image into the staging partition through the target's update session, sector by sector
 * (erased as first reached, or the whole image up front with {@code bulkFlashErase}). It asks for the next chunk only
 * when the target has taken the previous one, so one chunk waits while one is written, whatever the network speed.
 * A target whose calls may block (a file, a serial link) is never called on an event loop: a chunk arriving on a
 * non-blocking thread is written on {@code flashScheduler}, one already on a blocking-capable thread in place. A
 * flash held in memory is written on the thread the chunk arrives on, which spares a thread hand-off per chunk.
 * Completes with the still-open {@link OtaSession} for the finish stage; on error or cancellation
 * the session is aborted and nothing else changes.
 *
 * @param staging         where bytes are written
 * @param finalPartition  whose type decides the checks, and which receives a copy with {@code finalizeWithCopy}
 * @param finalizeWithCopy copy staging to final after a successful end
 * @param eraseSize       asked at begin (the first chunk, once the image size is known):
 *                        {@link OtaTarget#OTA_WITH_SEQUENTIAL_WRITES}, or a size to erase at begin
 * @param flashScheduler  bounded scheduler for the (possibly blocking) target calls
 * @param realTiming      wait the target's pacing (the flash timing model) after each write, without blocking
 * @param phaseTimer      receives the duration of the "erase" phase (begin, with its up-front erase)
 * @param resumeAt        0 to {@code esp_ota_begin}; else the offset to {@code esp_ota_resume} at (the target's
 *                        {@link OtaTarget#resumption()}), the data then bringing the image from there
 */
public record FlashSink(Partition staging, Partition finalPartition, boolean finalizeWithCopy, LongSupplier eraseSize,
        Scheduler flashScheduler, boolean realTiming, BiConsumer<String, Duration> phaseTimer, long resumeAt) {

    public FlashSink(Partition staging, Partition finalPartition, boolean finalizeWithCopy, LongSupplier eraseSize,
            Scheduler flashScheduler, boolean realTiming, BiConsumer<String, Duration> phaseTimer) {
        this(staging, finalPartition, finalizeWithCopy, eraseSize, flashScheduler, realTiming, phaseTimer, 0);
    }

    /** How many written bytes make a read-back step. */
    static final long READ_BACK_STEP = 256 * 1024;

    private static final int PROCESSORS = Runtime.getRuntime().availableProcessors();
    /** Sinks writing in place right now, over all updates in this JVM. */
    private static final AtomicInteger IN_PLACE = new AtomicInteger();

    /**
     * Writes everything {@code data} emits; {@code written} counts bytes taken by the flash. Each chunk the target
     * {@linkplain #writesInPlace writes in place} goes to {@code taken} once the target returned from writing it: its
     * bytes are then in flash, and the chunk's memory is the caller's again ({@code esp_ota_write} keeps no pointer to
     * the data).
     */
    public Function<Flux<ByteBuffer>, Mono<OtaSession>> into(OtaTarget target, Consumer<? super OtaEvent> events,
            AtomicLong written, Consumer<ByteBuffer> taken) {
        return data -> Mono.defer(() -> {
            AtomicReference<OtaSession> handle = new AtomicReference<>();
            boolean inPlace = writesInPlace(target);
            ReadBackSteps readBack = new ReadBackSteps(inPlace);
            LongConsumer onWritten = total -> {
                readBack.after(handle.get(), total);
                events.accept(new OtaEvent.FlashWritten(total));
            };
            // nothing is emitted downstream per chunk: an item reaching then() would be discarded at the cost of a
            // context lookup through the whole update's chain
            Flux<Void> writes = inPlace ? data.handle((chunk, sink) -> {
                long total = writeNow(target, handle, chunk, written);
                taken.accept(chunk);
                onWritten.accept(total);
            }) : data.concatMap(chunk -> write(target, handle, chunk, written), 1)
                    .handle((total, sink) -> onWritten.accept(total));
            if (inPlace) {
                writes = writes.doOnSubscribe(s -> IN_PLACE.incrementAndGet())
                        .doFinally(signal -> IN_PLACE.decrementAndGet());
            }
            return writes
                    .then(Mono.defer(() -> handle.get() != null || resumeAt == 0 ? Mono.justOrEmpty(handle.get())
                            // a resumed update whose flash already held the whole image: esp_ota_resume at its end
                            : onFlash(target, Mono.fromCallable(() -> open(target, handle)))))
                    .doFinally(signal -> {
                        OtaSession open = handle.get();
                        if (signal != SignalType.ON_COMPLETE && open != null && open.isOpen()) {
                            flashScheduler.schedule(() -> abortQuietly(open));
                        }
                    });
        });
    }

    /**
     * True while more sinks write in place than the JVM has processors: every core then has updates of its own to
     * run, so handing a step of one of them to another thread gains no parallelism and costs a thread wake-up.
     */
    public static boolean saturated() {
        return IN_PLACE.get() > PROCESSORS;
    }

    /**
     * Whether chunks for {@code target} are written on the thread they arrive on, each at once: a target in memory,
     * unpaced, rather than through a Mono per chunk.
     */
    public boolean writesInPlace(OtaTarget target) {
        return !target.mayBlock() && !realTiming;
    }

    private Mono<Long> write(OtaTarget target, AtomicReference<OtaSession> handle, ByteBuffer chunk,
            AtomicLong written) {
        Mono<Long> call = onFlash(target, Mono.fromCallable(() -> writeNow(target, handle, chunk, written)));
        return realTiming ? call.flatMap(total -> FlashTimingDelays.elapse(target::drainBusyTime).thenReturn(total))
                : call;
    }

    private long writeNow(OtaTarget target, AtomicReference<OtaSession> handle, ByteBuffer chunk, AtomicLong written) {
        if (handle.get() == null) {
            open(target, handle);
        }
        int n = chunk.remaining();
        handle.get().write(chunk);
        return written.addAndGet(n);
    }

    /** {@code esp_ota_begin}, or {@code esp_ota_resume} at {@code resumeAt}. */
    private OtaSession open(OtaTarget target, AtomicReference<OtaSession> handle) {
        long start = System.nanoTime();
        OtaSession opened = resumeAt == 0 ? target.begin(staging, eraseSize.getAsLong())
                : target.resumption().orElseThrow(() -> new TargetException(EspError.ESP_ERR_NOT_SUPPORTED,
                        "the target cannot resume an update")).resume(staging, eraseSize.getAsLong(), resumeAt);
        phaseTimer.accept("erase", Duration.ofNanos(System.nanoTime() - start));
        if (!finalPartition.equals(staging)) {
            opened.setFinalPartition(finalPartition, finalizeWithCopy);
        }
        handle.set(opened);
        return opened;
    }

    /** A blocking target's call, off a non-blocking thread. */
    private <T> Mono<T> onFlash(OtaTarget target, Mono<T> call) {
        return target.mayBlock() && Schedulers.isInNonBlockingThread() ? call.subscribeOn(flashScheduler) : call;
    }

    /**
     * Every {@link #READ_BACK_STEP} written bytes, has the flash scheduler read back and verify what was written
     * ({@link OtaSession#verifyWritten()}), one step at a time, so the end of the update only checks the tail. A step
     * the scheduler refuses is skipped: the end then reads more. A flash written in place is read back in place
     * while the sinks are {@link #saturated()}.
     */
    private final class ReadBackSteps {
        private final AtomicBoolean running = new AtomicBoolean();
        private final boolean inPlace;
        private long requestedAt;

        ReadBackSteps(boolean inPlace) {
            this.inPlace = inPlace;
        }

        void after(OtaSession open, long total) {
            if (total - requestedAt < READ_BACK_STEP || !running.compareAndSet(false, true)) {
                return;
            }
            requestedAt = total;
            Runnable step = () -> {
                try {
                    open.verifyWritten();
                } finally {
                    running.set(false);
                }
            };
            if (inPlace && saturated()) {
                step.run();
                return;
            }
            try {
                flashScheduler.schedule(step);
            } catch (RejectedExecutionException full) {
                running.set(false);
            }
        }
    }

    private static void abortQuietly(OtaSession session) {
        try {
            session.abort();
        } catch (TargetException e) {
            // the update already failed or was cancelled; a session that cannot even abort changes nothing more
        }
    }
}
