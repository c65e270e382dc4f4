package dev.flota.ota.serial;

import dev.flota.flash.partition.Partition;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;

/**
 * A {@link SerialSession}'s writer thread: it sends one finished segment's FLASH_DEFL_BEGIN/DATA/END run at a time
 * ({@link SerialTarget#writeSegment}, holding the target, so no other call on the link interleaves with its blocks)
 * while the session deflates the next, so the link does not idle at a segment boundary. A segment's failure is
 * reported to whoever waits next and leaves the session failed. Not thread-safe: the session's monitor guards it,
 * but for {@link #stop}, which any thread may call and which the writer checks before each block.
 */
final class SegmentWriter {

    private static final Executor WRITER = task -> {
        Thread thread = new Thread(task, "flota-serial-write");
        thread.setDaemon(true);
        thread.start();
    };

    private final SerialTarget target;
    private final Partition staging;
    private CompletableFuture<Void> inFlight = CompletableFuture.completedFuture(null);
    private boolean failed;
    private volatile boolean stopped;

    SegmentWriter(SerialTarget target, Partition staging) {
        this.target = target;
        this.staging = staging;
    }

    /** Hands {@code compressed} ({@code length} plain bytes at {@code offset}) on, once the previous was written. */
    void send(long offset, int length, byte[] compressed) {
        awaitInFlight();
        inFlight = CompletableFuture.runAsync(() -> target.writeSegment(offset, length, compressed, () -> stopped),
                WRITER);
    }

    /** Throws a failure of the segment in flight if it already failed; does not wait for one still on the wire. */
    void reportFailure() {
        if (inFlight.isCompletedExceptionally()) {
            awaitInFlight();
        }
    }

    /** Waits until the segment in flight was acknowledged, throwing its failure (or an interrupt) as the session's. */
    void awaitInFlight() {
        try {
            inFlight.get();
        } catch (ExecutionException e) {
            failed = true;
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw new LoaderException(LoaderException.Reason.FAILED, "the write to '" + staging.label()
                    + "' failed: " + e.getCause(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stopped = true;
            failed = true;
            throw new LoaderException(LoaderException.Reason.ABORTED, "interrupted while writing '"
                    + staging.label() + "'", e);
        }
    }

    /** The segment on the wire, for {@link #awaitStopped} outside the session's monitor. */
    CompletableFuture<Void> inFlight() {
        return inFlight;
    }

    /** Whether a segment failed or a wait for one was interrupted. */
    boolean failed() {
        return failed;
    }

    /** Stops the writer between blocks (and a copy to the final partition); any thread. */
    void stop() {
        stopped = true;
    }

    boolean stopped() {
        return stopped;
    }

    /** Returns once {@code writing} ended, stopped or failed: then the writer no longer uses the link. */
    static void awaitStopped(CompletableFuture<Void> writing) {
        try {
            writing.get();
        } catch (ExecutionException e) {
            // the writer stopped, or had failed: either way it no longer uses the link
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
