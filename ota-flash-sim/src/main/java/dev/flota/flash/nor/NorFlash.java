package dev.flota.flash.nor;

import java.time.Duration;

/**
 * A SPI NOR flash chip: 4 KiB erase sectors, 256-byte program pages, 64 KiB erase blocks. Erase sets bytes to 0xFF
 * and works on sector (or block) boundaries only; programming can only clear bits. Each operation advances the chip's
 * virtual clock by its datasheet time ({@link FlashTiming}) and is counted per sector for wear; a {@link FaultInjector}
 * can cut the power, fail operations or flip bits on read. After a power cut every operation fails until
 * {@link #powerCycle()}, and what the chip holds is all that survives.
 *
 * <p>Thread-safe; operations on one chip are serialised as on a real SPI bus.
 */
public final class NorFlash {

    public static final int SECTOR_SIZE = 4096;
    public static final int PAGE_SIZE = 256;
    public static final int BLOCK_SIZE = 65536;

    /**
     * Receives bytes read from flash, lent rather than copied where the chip's storage is one array in memory
     * ({@link #read(long, int, byte[], StoredBytes)}): a reader such as a hash takes them in place and neither changes
     * nor keeps the array.
     */
    @FunctionalInterface
    public interface StoredBytes {

        void accept(byte[] bytes, int offset, int length);
    }

    private final FlashStorage storage;
    private final FlashConfig config;
    private final FaultInjector faults;
    private final WearCounters wear;
    private boolean powerLost;
    private long busyNanos;
    private long drainedNanos;
    private long sectorErases;
    private long blockErases;
    private long pagePrograms;
    private long bytesProgrammed;
    private long bytesRead;
    private long modifications;

    private NorFlash(FlashStorage storage, FlashConfig config) {
        if (storage.size() % SECTOR_SIZE != 0) {
            throw new IllegalArgumentException("flash size must be a multiple of 4 KiB, got " + storage.size());
        }
        this.storage = storage;
        this.wear = new WearCounters(storage.size());
        this.config = config;
        this.faults = new FaultInjector(config.faultSeed());
    }

    public static NorFlash create(FlashStorage storage, FlashConfig config) {
        return new NorFlash(storage, config);
    }

    /** An erased in-memory chip with the default configuration. */
    public static NorFlash inMemory(long size) {
        return create(FlashStorage.inMemory(size), FlashConfig.defaults());
    }

    public long size() {
        return storage.size();
    }

    /** Whether calls can wait on I/O: see {@link FlashStorage#mayBlock()}. */
    public boolean mayBlock() {
        return storage.mayBlock();
    }

    /** See {@link FlashStorage#contentMemo()}. */
    public ContentMemo contentMemo() {
        return storage.contentMemo();
    }

    public FlashConfig config() {
        return config;
    }

    public FaultInjector faults() {
        return faults;
    }

    /**
     * Counts the erases and programs that reached the chip, whole or cut short by a power cut: while it stays the same,
     * so does everything the chip holds.
     */
    public synchronized long modifications() {
        return modifications;
    }

    public synchronized void read(long address, byte[] into, int offset, int length) {
        checkPower();
        checkRange(address, length);
        copyOut(address, into, offset, length);
    }

    public byte[] read(long address, int length) {
        byte[] bytes = new byte[length];
        read(address, bytes, 0, length);
        return bytes;
    }

    /**
     * Reads {@code length} bytes as {@link #read(long, byte[], int, int)} does and hands them to {@code reader}, in one
     * or more pieces in order: in place, outside the chip's lock, where the storage is one array in memory and no read
     * fault is armed; sector by sector under the lock from a {@link CompactStorage}, its shared sectors in place;
     * else copied into {@code scratch}. Bytes lent in place are the live cells: an operation on them while
     * {@code reader} runs shows through, so a reader that cannot rule that out checks {@link #modifications()}
     * afterwards.
     */
    public void read(long address, int length, byte[] scratch, StoredBytes reader) {
        byte[] cells = null;
        synchronized (this) {
            checkPower();
            checkRange(address, length);
            if (storage instanceof MemoryStorage memory && !faults.flipsReads()) {
                cells = memory.cells();
                countRead(length);
            } else if (storage instanceof CompactStorage compact && !faults.flipsReads()) {
                countRead(length);
                compact.lend(address, length, scratch, reader);
                return;
            } else {
                copyOut(address, scratch, 0, length);
            }
        }
        if (cells != null) {
            reader.accept(cells, (int) address, length);
        } else {
            reader.accept(scratch, 0, length);
        }
    }

    /** The stored bytes with any armed read fault applied, counted as a read. */
    private void copyOut(long address, byte[] into, int offset, int length) {
        storage.read(address, into, offset, length);
        faults.applyReadFaults(address, into, offset, length);
        countRead(length);
    }

    private void countRead(int length) {
        bytesRead += length;
        busyNanos += config.timing().read(length).toNanos();
    }

    /** Erases the 4 KiB sector at {@code address} (sector aligned). */
    public synchronized void eraseSector(long address) {
        checkPower();
        checkRange(address, SECTOR_SIZE);
        checkAligned(address, SECTOR_SIZE, "sector erase address");
        erase(address, SECTOR_SIZE);
        sectorErases++;
        busyNanos += config.timing().sectorErase().toNanos();
    }

    /** Erases the 64 KiB block at {@code address} (block aligned). */
    public synchronized void eraseBlock(long address) {
        checkPower();
        checkRange(address, BLOCK_SIZE);
        checkAligned(address, BLOCK_SIZE, "block erase address");
        erase(address, BLOCK_SIZE);
        blockErases++;
        busyNanos += config.timing().blockErase().toNanos();
    }

    /**
     * Erases {@code [address, address + length)}, both sector aligned, with block erases where whole aligned blocks
     * fit and sector erases elsewhere, as {@code esp_flash_erase_region} does.
     */
    public synchronized void eraseRange(long address, long length) {
        checkPower();
        checkRange(address, length);
        checkAligned(address, SECTOR_SIZE, "erase address");
        checkAligned(length, SECTOR_SIZE, "erase length");
        long end = address + length;
        while (address < end) {
            if (address % BLOCK_SIZE == 0 && end - address >= BLOCK_SIZE) {
                eraseBlock(address);
                address += BLOCK_SIZE;
            } else {
                eraseSector(address);
                address += SECTOR_SIZE;
            }
        }
    }

    /**
     * Programs {@code length} bytes, one page program per 256-byte page touched. In strict mode a byte that would need
     * a 0 bit turned back into 1 fails the whole call before anything is written; otherwise the bits are ANDed.
     */
    public synchronized void program(long address, byte[] from, int offset, int length) {
        checkPower();
        checkRange(address, length);
        if (!faults.armed()) {
            programAll(address, from, offset, length);
            return;
        }
        if (config.strictProgramming()) {
            checkProgrammable(address, from, offset, length);
        }
        while (length > 0) {
            int n = (int) Math.min(length, PAGE_SIZE - address % PAGE_SIZE);
            programPage(address, from, offset, n);
            address += n;
            offset += n;
            length -= n;
        }
    }

    public void program(long address, byte[] bytes) {
        program(address, bytes, 0, bytes.length);
    }

    /** True after a power cut, until {@link #powerCycle()}. */
    public synchronized boolean isPowerLost() {
        return powerLost;
    }

    /** Power comes back: the chip works again with whatever it holds. */
    public synchronized void powerCycle() {
        powerLost = false;
    }

    public synchronized void flush() {
        storage.flush();
    }

    /** Erase cycles of the sector containing {@code address}. */
    public synchronized int wear(long address) {
        checkRange(address, 1);
        return wear.of((int) (address / SECTOR_SIZE));
    }

    public synchronized FlashStats stats() {
        return new FlashStats(sectorErases, blockErases, pagePrograms, bytesProgrammed, bytesRead,
                Duration.ofNanos(busyNanos), wear.max());
    }

    /** Time the chip has been busy on its virtual clock. */
    public synchronized Duration busyTime() {
        return Duration.ofNanos(busyNanos);
    }

    /**
     * Busy time accumulated since the previous call: what a caller that wants real timing waits, without blocking,
     * after the operations it just ran (e.g. with a Reactor timer). Virtual time needs no call at all.
     */
    public synchronized Duration drainBusyTime() {
        long pending = busyNanos - drainedNanos;
        drainedNanos = busyNanos;
        return Duration.ofNanos(pending);
    }

    private void erase(long address, int length) {
        FlashError failure = faults.failureDue();
        if (failure != null) {
            throw new FlashException(failure, String.format("erase at 0x%x failed (injected)", address));
        }
        int cut = faults.cutPoint(length, false);
        modifications++;
        if (cut >= 0) {
            storage.erase(address, cut);
            powerLost = true;
            throw new FlashException(FlashError.POWER_LOST, String.format(
                    "power cut during erase at 0x%x (0x%x of 0x%x bytes erased)", address, cut, length));
        }
        storage.erase(address, length);
        for (long a = address; a < address + length; a += SECTOR_SIZE) {
            wear.erased((int) (a / SECTOR_SIZE));
        }
    }

    /** Without armed faults, the page programs of a call have the same effect as one merged write. */
    private void programAll(long address, byte[] from, int offset, int length) {
        if (!config.strictProgramming()) {
            storage.programAnd(address, from, offset, length);
        } else {
            int bad = storage.programIfProgrammable(address, from, offset, length);
            if (bad >= 0) {
                checkProgrammable(address + bad, from, offset + bad, 1);
            }
        }
        modifications++;
        long pages = (address + length - 1) / PAGE_SIZE - address / PAGE_SIZE + 1;
        pagePrograms += pages;
        bytesProgrammed += length;
        busyNanos += pages * config.timing().pageProgram().toNanos();
    }

    private void programPage(long address, byte[] from, int offset, int length) {
        FlashError failure = faults.failureDue();
        if (failure != null) {
            throw new FlashException(failure, String.format("page program at 0x%x failed (injected)", address));
        }
        int cut = faults.cutPoint(length, true);
        int done = cut >= 0 ? cut : length;
        storage.programAnd(address, from, offset, done);
        modifications++;
        bytesProgrammed += done;
        pagePrograms++;
        busyNanos += config.timing().pageProgram().toNanos();
        if (cut >= 0) {
            powerLost = true;
            throw new FlashException(FlashError.POWER_LOST, String.format(
                    "power cut during page program at 0x%x (%d of %d bytes programmed)", address, cut, length));
        }
    }

    private void checkProgrammable(long address, byte[] from, int offset, int length) {
        byte[] current = new byte[length];
        storage.read(address, current, 0, length);
        for (int i = 0; i < length; i++) {
            if ((current[i] & from[offset + i]) != from[offset + i]) {
                throw new FlashException(FlashError.PROGRAM_ONE_OVER_ZERO, String.format(
                        "programming 0x%02x over 0x%02x at 0x%x needs an erase first", from[offset + i] & 0xFF,
                        current[i] & 0xFF, address + i));
            }
        }
    }

    private void checkPower() {
        if (powerLost) {
            throw new FlashException(FlashError.POWER_LOST, "the chip has no power; reboot the device");
        }
    }

    private void checkRange(long address, long length) {
        if (address < 0 || length < 0 || address + length > storage.size()) {
            throw new FlashException(FlashError.OUT_OF_RANGE, String.format(
                    "0x%x bytes at 0x%x do not fit the 0x%x-byte chip", length, address, storage.size()));
        }
    }

    private static void checkAligned(long value, int alignment, String what) {
        if (value % alignment != 0) {
            throw new FlashException(FlashError.MISALIGNED, String.format("%s 0x%x is not a multiple of 0x%x", what,
                    value, alignment));
        }
    }
}
