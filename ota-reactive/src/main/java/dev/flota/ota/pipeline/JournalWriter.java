package dev.flota.ota.pipeline;

import dev.flota.flash.partition.Partition;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.ResumptionStore;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * Writes the {@link ResumeJournal} as an update goes: after the flash took the bytes, each time the image passes a
 * multiple of {@code interval} (rounded down to a sector), with the sector read back from flash so the journal
 * records what the flash holds rather than what was sent to it. Runs on the thread that wrote to the target.
 *
 * <p>A partial download can hold each ranged request until the journal covers every byte before it
 * ({@link #covers(long)}): a power cut then loses at most the request in flight, which the next run asks for again.
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
    private long held;
    private boolean unjournalled;
    private MonoSink<Void> waiter;
    private long wanted;

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
        MonoSink<Void> ready;
        synchronized (this) {
            held = Math.max(held, written);
            if (unjournalled) {
                return;
            }
            long sector = sectorFloor(written);
            boolean wantedNow = waiter != null && sector >= wanted && sector > committed;
            // at the last multiple of the interval passed, so the offsets journalled do not depend on how the
            // network chunked the body
            long boundary = wantedNow ? sector : sectorFloor(written - written % interval);
            if (boundary <= committed) {
                return;
            }
            commit(boundary);
            ready = coveredWaiter();
        }
        if (ready != null) {
            ready.success();
        }
    }

    /**
     * Completes once the journal records every sector before {@code offset} (plaintext), committing it now if the
     * flash already holds them; at once when nothing can be journalled (the image has no validator or size). One
     * waiter at a time: the next ranged request. A commit that fails (the device lost power) fails the Mono.
     */
    public Mono<Void> covers(long offset) {
        long target = sectorFloor(offset);
        return Mono.create(sink -> {
            boolean now;
            try {
                synchronized (this) {
                    long boundary = sectorFloor(held);
                    if (committed < target && !unjournalled && boundary >= target) {
                        commit(boundary);
                    }
                    now = committed >= target || unjournalled;
                    if (!now) {
                        waiter = sink;
                        wanted = target;
                    }
                }
            } catch (RuntimeException e) {
                sink.error(e);
                return;
            }
            if (now) {
                sink.success();
            } else {
                sink.onCancel(() -> {
                    synchronized (this) {
                        if (waiter == sink) {
                            waiter = null;
                        }
                    }
                });
            }
        });
    }

    private static long sectorFloor(long offset) {
        return offset - offset % ResumeJournal.SECTOR_SIZE;
    }

    private void commit(long boundary) {
        if (!started) {
            ResumeJournal id = identity.get();
            if (id == null) {
                // a sector is on flash, so the first answer is in: without its validator or size, nothing ever will be
                unjournalled = true;
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

    /** The waiter, taken, once the journal covers what it waits for (or cannot journal at all); else null. */
    private MonoSink<Void> coveredWaiter() {
        MonoSink<Void> ready = waiter;
        if (ready == null || committed < wanted && !unjournalled) {
            return null;
        }
        waiter = null;
        return ready;
    }

    /** {@code nvs_erase_all}: after the last byte, an abort or a mismatch. */
    public static void clear(ResumptionStore store) {
        store.eraseAll();
    }
}
