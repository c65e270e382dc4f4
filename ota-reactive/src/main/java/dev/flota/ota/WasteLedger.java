package dev.flota.ota;

import java.util.concurrent.atomic.AtomicLong;

/**
 * An update's count of the image bytes it received and of those the image did not need, across restarts of the image
 * within a run and, through the resumption journal, across reboots: {@link OtaEvent.Finished#bytesWasted()}. The
 * {@code wasted} meter counts this run's share only (an earlier run's process counted its own).
 */
final class WasteLedger {

    private final OtaMetrics metrics;
    private final AtomicLong fetched = new AtomicLong();
    private final AtomicLong received = new AtomicLong();
    private final AtomicLong wasted = new AtomicLong();
    private volatile long earlier;
    private volatile long resumedFetch;
    private volatile long resumedWaste;

    WasteLedger(OtaMetrics metrics) {
        this.metrics = metrics;
    }

    /** Image bytes fetched by the current attempt. */
    long fetched() {
        return fetched.get();
    }

    /** Where in the served file this attempt's fetch began: a resumed run's offset, else 0. */
    long resumedFetch() {
        return resumedFetch;
    }

    /**
     * The first attempt continues the journal's update from {@code fetchOffset}; earlier runs wasted
     * {@code earlierWaste}, which stays counted if the image starts again.
     */
    void resumed(long fetchOffset, long earlierWaste) {
        resumedFetch = fetchOffset;
        earlier = earlierWaste;
    }

    void onBytes(int count) {
        fetched.addAndGet(count);
        received.addAndGet(count);
        metrics.bytes("fetched", count);
    }

    /** Bytes received and dropped unread (the size probe's). */
    void onDiscarded(int count) {
        received.addAndGet(count);
        metrics.bytes("fetched", count);
        waste(count);
    }

    /**
     * The image starts again from byte 0: what this attempt fetched is wasted, and so is what a resumed run had in
     * flash from earlier runs.
     *
     * @return whether the attempt had resumed
     */
    boolean restart() {
        waste(fetched.getAndSet(0));
        long resumed = resumedFetch;
        if (resumed > 0) {
            waste(resumed);
            resumedWaste += resumed;
            resumedFetch = 0;
        }
        return resumed > 0;
    }

    /**
     * What the update will have wasted if it is cut now and resumes from {@code fetchOffset} of the served file: the
     * journal keeps it with each commit, for the run that resumes to report. Bytes received after the last commit
     * are lost by a cut without being counted.
     */
    long wastedIfResumedAt(long fetchOffset) {
        long kept = fetchOffset - resumedFetch;
        return earlier + wasted.get() + Math.max(0, fetched.get() - kept);
    }

    /**
     * The update completed: whatever was received beyond what the image needed is wasted too.
     *
     * @param imageSize the served file's size, or -1 when unknown
     * @return the update's bytes wasted, earlier runs' included
     */
    long finish(long imageSize) {
        long needed = (imageSize >= 0 ? imageSize : fetched.get()) - resumedFetch;
        waste(received.get() - needed - (wasted.get() - resumedWaste));
        return earlier + wasted.get();
    }

    private void waste(long bytes) {
        if (bytes > 0) {
            wasted.addAndGet(bytes);
            metrics.bytes("wasted", bytes);
        }
    }
}
