package dev.flota.ota.pipeline;

import dev.flota.flash.partition.Partition;
import dev.flota.ota.OtaError;
import dev.flota.ota.encrypted.EncryptedImageHeader;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.OtaTarget;
import dev.flota.ota.target.ResumptionStore;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.LongUnaryOperator;
import java.util.function.Supplier;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Scheduler;

/**
 * One update's resumption journal ({@code ota_resumption}) over the attempts of its run: what the first attempt
 * continues from, the {@link JournalWriter} of each attempt, the wait of a ranged request for the journal to cover the
 * bytes before it, and when the journal is cleared. It keeps the journal's rules beside {@link ResumeJournal} and
 * {@link JournalWriter}, out of the code that wires the stages of an update.
 */
public final class UpdateJournal {

    private final boolean encrypted;
    private volatile boolean spent;
    private volatile ResumptionStore store;
    private volatile JournalWriter writer;

    /** @param encrypted whether the update decrypts a pre-encrypted image */
    public UpdateJournal(boolean encrypted) {
        this.encrypted = encrypted;
    }

    /**
     * What this attempt continues from (the first attempt only: a restart starts afresh), else null; a journal that
     * does not fit is erased, and {@code discarded} told (see {@link ResumeJournal#continuation}).
     */
    public ResumeJournal.Continuation plan(OtaResumption device, Partition staging,
            Consumer<ResumeJournal.Discarded> discarded) {
        ResumptionStore journal = device.journal();
        store = journal;
        if (spent) {
            return null;
        }
        spent = true;
        return ResumeJournal.continuation(device, journal, staging, encrypted, discarded).orElse(null);
    }

    /**
     * Journals this attempt into the store {@link #plan} found, with a {@link JournalWriter} of these arguments; an
     * attempt without a {@code device} journals nothing.
     */
    public void attempt(OtaResumption device, Partition staging, long interval, long committed,
            LongUnaryOperator wastedAt, Supplier<ResumeJournal> identity) {
        writer = device == null ? null
                : new JournalWriter(device, store, staging, interval, committed, wastedAt, identity);
    }

    /** The flash now holds the image up to {@code written} (plaintext offset). */
    public void written(long written) {
        JournalWriter current = writer;
        if (current != null) {
            current.written(written);
        }
    }

    /**
     * Given the offset in the served file a ranged request starts at, waits until the attempt's journal covers every
     * byte of the image before it; at once when the attempt journals nothing. A blocking {@code target} commits on
     * {@code scheduler}.
     */
    public LongFunction<Mono<Void>> gate(OtaTarget target, Scheduler scheduler) {
        long header = encrypted ? EncryptedImageHeader.SIZE : 0;
        return start -> {
            JournalWriter current = writer;
            if (current == null) {
                return Mono.empty();
            }
            Mono<Void> covered = current.covers(Math.max(0, start - header));
            return target.mayBlock() ? covered.subscribeOn(scheduler) : covered;
        };
    }

    /**
     * The update failed with {@code error}. A failure of the image itself, which no later attempt can continue,
     * clears the journal; a cancellation, a network or server failure, a deadline or a flash failure (a power cut)
     * keep it.
     */
    public void failed(OtaError error) {
        boolean rejectsImage = switch (error) {
            case VALIDATE_FAILED, EFUSE_BLOCK_REVISION, IMAGE_HEADER_INVALID, INVALID_VERSION, SMALL_SEC_VER,
                    SPI_MODE_MISMATCH, POLICY_REJECTED, DECRYPT_FAILED, IMAGE_CHANGED, INVALID_SIZE -> true;
            default -> false;
        };
        if (rejectsImage) {
            clear();
        }
    }

    /** Clears the journal, if this update keeps one; a target that fails to (a device without power) keeps it. */
    public void clear() {
        ResumptionStore current = store;
        if (current == null) {
            return;
        }
        try {
            JournalWriter.clear(current);
        } catch (RuntimeException e) {
            // the device cannot write its NVS now: the journal stays, and the next resume checks it against the flash
        }
    }
}
