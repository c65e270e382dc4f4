package dev.flota.ota;

import java.util.Objects;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * How an update writes: which partitions ({@code partition.staging}/{@code final}, {@code finalize_with_copy}),
 * whether the image is erased up front ({@code bulk_flash_erase}), where calls that may block run, and whether the
 * target's pacing (the flash timing model) is waited for.
 *
 * @param stagingPartition  label written into, or null for the next OTA slot
 * @param finalPartition    label the update is for, or null for the staging partition
 * @param finalizeWithCopy  copy staging to final after a successful end
 * @param bulkErase         erase the image's sectors at begin instead of as they are reached
 * @param realTiming        wait the target's busy time after each write, without blocking
 * @param scheduler         bounded scheduler for target calls that may block; never an event loop
 * @param resume            {@code ota_resumption}: keep a journal in the target's NVS and continue from it
 * @param resumeJournalInterval at most one journal commit per this many bytes written (rounded to sectors)
 */
public record FlashSettings(String stagingPartition, String finalPartition, boolean finalizeWithCopy,
        boolean bulkErase, boolean realTiming, Scheduler scheduler, boolean resume, int resumeJournalInterval) {

    /** One commit per 16 KiB: 4 NVS entries (128 bytes) per 16 KiB written, at most 16 KiB fetched again. */
    public static final int DEFAULT_JOURNAL_INTERVAL = 16 * 1024;

    static final Scheduler DEFAULT_SCHEDULER = Schedulers.newBoundedElastic(
            Math.max(4, Runtime.getRuntime().availableProcessors() * 2), Integer.MAX_VALUE, "flota-flash", 60, true);

    public FlashSettings {
        Objects.requireNonNull(scheduler, "scheduler");
        if (resumeJournalInterval <= 0) {
            throw new IllegalArgumentException("resumeJournalInterval must be positive, not " + resumeJournalInterval);
        }
    }

    /** The next OTA slot, erased as it is written, on a shared bounded scheduler, without pacing. */
    public static FlashSettings defaults() {
        return new FlashSettings(null, null, false, false, false, DEFAULT_SCHEDULER, false, DEFAULT_JOURNAL_INTERVAL);
    }

    public FlashSettings withPartitions(String staging, String finalLabel, boolean copy) {
        return new FlashSettings(staging, finalLabel, copy, bulkErase, realTiming, scheduler,
                resume, resumeJournalInterval);
    }

    public FlashSettings withBulkErase(boolean value) {
        return new FlashSettings(stagingPartition, finalPartition, finalizeWithCopy, value, realTiming, scheduler,
                resume, resumeJournalInterval);
    }

    public FlashSettings withRealTiming(boolean value) {
        return new FlashSettings(stagingPartition, finalPartition, finalizeWithCopy, bulkErase, value, scheduler,
                resume, resumeJournalInterval);
    }

    public FlashSettings withScheduler(Scheduler value) {
        return new FlashSettings(stagingPartition, finalPartition, finalizeWithCopy, bulkErase, realTiming, value,
                resume, resumeJournalInterval);
    }

    public FlashSettings withResume(boolean value, int journalInterval) {
        return new FlashSettings(stagingPartition, finalPartition, finalizeWithCopy, bulkErase, realTiming, scheduler,
                value, journalInterval);
    }
}
