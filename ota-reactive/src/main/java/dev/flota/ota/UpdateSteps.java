package dev.flota.ota;

import java.nio.ByteBuffer;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * Drives one update step by step, as {@code esp_https_ota}'s imperative calls do, for
 * {@link HttpsOta#update(dev.flota.ota.target.OtaTarget, UpdateSteps)}: the update connects, then reads nothing until
 * asked; it reads just enough for the image description when asked for the header ({@code get_img_desc}), writes one
 * chunk per {@link #writeNext()} ({@code perform}), and verifies and switches the boot partition only after
 * {@link #finish()}. Reads happen only while a step needs bytes, so the socket is read at the caller's pace.
 * One instance drives one update. Thread-safe.
 */
public final class UpdateSteps {

    private final Sinks.Empty<Void> finishAllowed = Sinks.empty();
    private final Sinks.Empty<Void> allWritten = Sinks.empty();
    private boolean headerWanted;
    private boolean headerRead;
    private long writeCredits;
    private Valve<?> reads;
    private Valve<?> writes;

    private UpdateSteps() {
    }

    /** Steps granted one at a time by the caller; nothing is read before the first. */
    public static UpdateSteps manual() {
        return new UpdateSteps();
    }

    /** Lets the update read until the image's header and descriptor are in, without writing anything. */
    public void readHeader() {
        synchronized (this) {
            headerWanted = true;
        }
        drainReads();
    }

    /** Lets the update write one more chunk (reading what it needs for it), or see the end of the image. */
    public void writeNext() {
        Valve<?> valve;
        synchronized (this) {
            writeCredits++;
            valve = writes;
        }
        if (valve != null) {
            valve.drain();
        }
    }

    /** Completes once every byte is written and the update waits for {@link #finish()}. */
    public Mono<Void> allWritten() {
        return allWritten.asMono();
    }

    /** Lets the update verify the image and switch the boot partition ({@code esp_https_ota_finish}). */
    public void finish() {
        finishAllowed.tryEmitEmpty();
    }

    /** The gate before verification: reports that all data is written, then waits for {@link #finish()}. */
    Mono<Void> beforeFinish() {
        return Mono.defer(() -> {
            allWritten.tryEmitEmpty();
            return finishAllowed.asMono();
        });
    }

    /** Network chunks, requested only while a step needs bytes. */
    Flux<ByteBuffer> reads(Flux<ByteBuffer> fetched) {
        return Flux.defer(() -> {
            Valve<ByteBuffer> valve = new Valve<>(fetched, (demand, outstanding) -> readable() && outstanding == 0
                    && demand > 0 ? 1 : 0, this::drainReads);
            synchronized (this) {
                reads = valve;
            }
            return valve;
        });
    }

    /** Chunks on their way to the flash, one per {@link #writeNext()}. */
    Flux<ByteBuffer> writes(Flux<ByteBuffer> data) {
        return Flux.defer(() -> {
            Valve<ByteBuffer> valve = new Valve<>(data, this::takeWriteCredits, this::drainReads);
            synchronized (this) {
                writes = valve;
            }
            return valve;
        });
    }

    /** The inspection read the image's description: the header needs no more reads. */
    void headerRead() {
        synchronized (this) {
            headerRead = true;
        }
    }

    private synchronized long takeWriteCredits(long demand, long outstanding) {
        long n = Math.min(demand, writeCredits);
        writeCredits -= n;
        return n;
    }

    /** A read is due while the header is wanted and not in, or while a granted write waits for bytes. */
    private boolean readable() {
        Valve<?> waiting;
        synchronized (this) {
            if (headerWanted && !headerRead) {
                return true;
            }
            waiting = writes;
        }
        return waiting != null && waiting.starving();
    }

    private void drainReads() {
        Valve<?> valve;
        synchronized (this) {
            valve = reads;
        }
        if (valve != null) {
            valve.drain();
        }
    }
}
