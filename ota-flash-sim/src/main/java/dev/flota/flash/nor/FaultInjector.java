package dev.flota.flash.nor;

import java.util.Random;

/**
 * Faults a test arms on a {@link NorFlash}: a power cut after N mutating operations (sector or block erase, page
 * program) or after N programmed bytes, one-shot operation failures, and bit flips on read. A cut leaves the
 * interrupted operation half done, as real NOR does: a program leaves a prefix of its page programmed, an erase a
 * prefix of its sector erased. Deterministic for a given seed.
 */
public final class FaultInjector {

    private long operationsUntilCut = -1;
    private long bytesUntilCut = -1;
    private int failAfter = -1;
    private FlashError failure;
    private long flipAddress = -1;
    private int flipMask;
    private final Random random;
    /** Whether anything may be armed: the unarmed chip's per-operation checks take no lock. */
    private volatile boolean mayBeArmed;

    FaultInjector(long seed) {
        this.random = new Random(seed);
    }

    /** Cut power during the operation after the next {@code operations} mutating operations complete. */
    public synchronized FaultInjector cutPowerAfterOperations(long operations) {
        operationsUntilCut = requireNonNegative(operations);
        refresh();
        return this;
    }

    /** Cut power once {@code bytes} more bytes have been programmed. */
    public synchronized FaultInjector cutPowerAfterBytes(long bytes) {
        bytesUntilCut = requireNonNegative(bytes);
        refresh();
        return this;
    }

    /** Fail the mutating operation after the next {@code operations} ones with {@code error}, once. */
    public synchronized FaultInjector failOperation(long operations, FlashError error) {
        if (error != FlashError.FLASH_OP_FAIL && error != FlashError.FLASH_OP_TIMEOUT) {
            throw new IllegalArgumentException("inject FLASH_OP_FAIL or FLASH_OP_TIMEOUT, not " + error);
        }
        failAfter = (int) requireNonNegative(operations);
        failure = error;
        refresh();
        return this;
    }

    /** Every read covering {@code address} returns its bit {@code bit} flipped (the flash itself is unchanged). */
    public synchronized FaultInjector flipBitOnRead(long address, int bit) {
        flipAddress = address;
        flipMask = 1 << (bit & 7);
        refresh();
        return this;
    }

    /** Disarms everything. */
    public synchronized FaultInjector clear() {
        operationsUntilCut = -1;
        bytesUntilCut = -1;
        failAfter = -1;
        failure = null;
        flipAddress = -1;
        refresh();
        return this;
    }

    /** True while reads of some address come back with a bit flipped. */
    public boolean flipsReads() {
        if (!mayBeArmed) {
            return false;
        }
        synchronized (this) {
            return flipAddress >= 0;
        }
    }

    /** True when a power cut or an operation failure is pending (reads faults do not count). */
    boolean armed() {
        if (!mayBeArmed) {
            return false;
        }
        synchronized (this) {
            return operationsUntilCut >= 0 || bytesUntilCut >= 0 || failAfter >= 0;
        }
    }

    /** Called before a mutating operation: the one-shot failure to raise now, or null. */
    FlashError failureDue() {
        if (!mayBeArmed) {
            return null;
        }
        synchronized (this) {
            if (failAfter < 0) {
                return null;
            }
            if (failAfter-- > 0) {
                return null;
            }
            FlashError due = failure;
            failure = null;
            refresh();
            return due;
        }
    }

    /**
     * Called before a mutating operation over {@code bytes} bytes: how many of them complete before the power goes,
     * or -1 when the operation completes. Only programs count towards {@link #cutPowerAfterBytes(long)}.
     */
    int cutPoint(int bytes, boolean program) {
        if (!mayBeArmed) {
            return -1;
        }
        synchronized (this) {
            int cut = cutPointArmed(bytes, program);
            refresh();
            return cut;
        }
    }

    private int cutPointArmed(int bytes, boolean program) {
        if (operationsUntilCut == 0) {
            operationsUntilCut = -1;
            return random.nextInt(Math.max(1, bytes));
        }
        if (operationsUntilCut > 0) {
            operationsUntilCut--;
        }
        if (program && bytesUntilCut >= 0) {
            if (bytesUntilCut < bytes) {
                int done = (int) bytesUntilCut;
                bytesUntilCut = -1;
                return done;
            }
            bytesUntilCut -= bytes;
        }
        return -1;
    }

    void applyReadFaults(long address, byte[] into, int offset, int length) {
        if (!mayBeArmed) {
            return;
        }
        synchronized (this) {
            if (flipAddress >= address && flipAddress < address + length) {
                into[offset + (int) (flipAddress - address)] ^= (byte) flipMask;
            }
        }
    }

    /** Under the lock, after any change: whether a check may find something armed. */
    private void refresh() {
        mayBeArmed = operationsUntilCut >= 0 || bytesUntilCut >= 0 || failAfter >= 0 || flipAddress >= 0;
    }

    private static long requireNonNegative(long value) {
        if (value < 0) {
            throw new IllegalArgumentException("must not be negative: " + value);
        }
        return value;
    }
}
