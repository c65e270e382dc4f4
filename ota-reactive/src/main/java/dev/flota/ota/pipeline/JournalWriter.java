package dev.flota.ota.pipeline;

import dev.flota.flash.partition.Partition;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.ResumptionStore;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;

/**
 * Writes the {@link ResumeJournal} as an update goes: after the flash took the bytes, at most every
 * {@code interval} bytes, always at a sector boundary, with the sector read back from flash so the journal records
 * what the flash holds rather than what was sent to it. Runs on the thread that wrote to the target.
 */
public final class JournalWriter {

    private final OtaResumption device;
    private final ResumptionStore store;
    private final Partition staging;
    private final long interval;
    private final LongUnaryOperator wastedAt;
    private final Supplier<ResumeJournal> identity;
    private long committed;
    private boolean started;

    /**
     * @param committed the offset the journal already records (a resumed update's), 0 for a fresh one
     * @param wastedAt  the bytes the update will have wasted if it resumes from a given plaintext offset, kept with
     *                  each commit for {@link ResumeJournal#wastedBytes()}
     * @param identity  the journal's identity keys, asked at the first commit of a fresh update (offset and sector
     *                  digests ignored), or null while the image has no validator or size: nothing is journalled
     */
    public JournalWriter(OtaResumption device, ResumptionStore store, Partition staging, long interval, long committed,
            LongUnaryOperator wastedAt, Supplier<ResumeJournal> identity) {
        this.device = device;
        this.store = store;
        this.staging = staging;
        this.interval = Math.max(ResumeJournal.SECTOR_SIZE, interval);
        this.committed = committed;
        this.started = committed > 0;
        this.wastedAt = wastedAt;
        this.identity = identity;
    }

    /** The flash now holds the image up to {@code written} (plaintext offset). */
    public void written(long written) {
        long boundary = written - written % ResumeJournal.SECTOR_SIZE;
        if (boundary - committed < interval) {
            return;
        }
        if (!started) {
            ResumeJournal id = identity.get();
            if (id == null) {
                return;
            }
            byte[] head = device.read(staging, 0, (int) Math.min(ResumeJournal.HEAD_BYTES, boundary));
            ResumeJournal.start(store, id.url(), id.validator(), id.imageSize(), staging, head, id.encryptedHeader());
            started = true;
        }
        ResumeJournal.commit(store, boundary, device.read(staging, boundary - ResumeJournal.SECTOR_SIZE,
                ResumeJournal.SECTOR_SIZE), wastedAt.applyAsLong(boundary));
        committed = boundary;
    }

    /** {@code nvs_erase_all}: after the last byte, an abort or a mismatch. */
    public static void clear(ResumptionStore store) {
        store.eraseAll();
    }
}
