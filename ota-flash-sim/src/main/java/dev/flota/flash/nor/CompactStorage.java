package dev.flota.flash.nor;

import java.util.Arrays;

/**
 * Flash contents for large simulated fleets: erased sectors take no memory, and complete sectors are interned in a
 * {@link SectorPool} shared by all devices, so a fleet that took the same update holds each sector of it once. Only the
 * few sectors a device is writing right now are private copies. Reads return the real bytes; nothing is approximated.
 *
 * <p>A sector written from its start with the bytes the pool last took for the same sector (another device of the
 * fleet writing the same image) is not copied at all: the writes are compared with that content as they come, and
 * the sector shares it once complete. Only a write that differs, or goes elsewhere in it, makes a private copy.
 */
public final class CompactStorage implements FlashStorage {

    static final int SECTOR = NorFlash.SECTOR_SIZE;
    private static final int MAX_PRIVATE = 1;
    private static final int SECTORS_PER_BLOCK = 16;

    private final SectorPool pool;
    private final long size;
    /** Per 64 KiB block, its sectors' contents (null: erased); a block never written is null altogether. */
    private final byte[][][] blocks;
    private final int[] privateSectors = new int[MAX_PRIVATE];
    private int privateCount;
    /** The sector whose bytes [0, matchEnd) were written equal to the pooled {@code matchContent}, the rest erased. */
    private int matchSector = -1;
    private byte[] matchContent;
    private int matchEnd;

    public CompactStorage(long size, SectorPool pool) {
        if (size <= 0 || size % SECTOR != 0 || size / SECTOR > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("flash size must be a positive multiple of 4 KiB, got " + size);
        }
        this.pool = pool;
        this.size = size;
        this.blocks = new byte[(int) ((size / SECTOR + SECTORS_PER_BLOCK - 1) / SECTORS_PER_BLOCK)][][];
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean mayBlock() {
        return false;
    }

    @Override
    public ContentMemo contentMemo() {
        return pool.contentMemo();
    }

    @Override
    public synchronized void read(long address, byte[] into, int offset, int length) {
        while (length > 0) {
            int sector = (int) (address / SECTOR);
            int within = (int) (address % SECTOR);
            int n = Math.min(length, SECTOR - within);
            byte[] content = sector(sector);
            int shared = sector == matchSector ? Math.max(0, Math.min(n, matchEnd - within)) : 0;
            if (shared > 0) {
                System.arraycopy(matchContent, within, into, offset, shared);
                Arrays.fill(into, offset + shared, offset + n, (byte) 0xFF);
            } else if (content == null) {
                Arrays.fill(into, offset, offset + n, (byte) 0xFF);
            } else {
                System.arraycopy(content, within, into, offset, n);
            }
            address += n;
            offset += n;
            length -= n;
        }
    }

    /**
     * Hands the bytes at {@code address} to {@code reader} sector by sector: a pooled sector in place (its contents
     * never change), any other piece copied into {@code scratch} first. The reader runs under this storage's lock.
     */
    synchronized void lend(long address, int length, byte[] scratch, NorFlash.StoredBytes reader) {
        int lent = 0;
        while (lent < length) {
            int sector = (int) ((address + lent) / SECTOR);
            int within = (int) ((address + lent) % SECTOR);
            int n = Math.min(length - lent, SECTOR - within);
            byte[] content = sector(sector);
            if (content != null && sector != matchSector && !isPrivate(sector)) {
                reader.accept(content, within, n);
            } else {
                read(address + lent, scratch, lent, n);
                reader.accept(scratch, lent, n);
            }
            lent += n;
        }
    }

    @Override
    public synchronized void write(long address, byte[] from, int offset, int length) {
        settleMatch();
        while (length > 0) {
            int sector = (int) (address / SECTOR);
            int within = (int) (address % SECTOR);
            int n = Math.min(length, SECTOR - within);
            System.arraycopy(from, offset, writable(sector, n == SECTOR), within, n);
            address += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public synchronized void programAnd(long address, byte[] from, int offset, int length) {
        while (length > 0) {
            int sector = (int) (address / SECTOR);
            int within = (int) (address % SECTOR);
            int n = Math.min(length, SECTOR - within);
            if (matched(sector, within, from, offset, n)) {
                address += n;
                offset += n;
                length -= n;
                continue;
            }
            if (sector(sector) == null) {
                System.arraycopy(from, offset, writable(sector, n == SECTOR), within, n);
            } else {
                ErasedBytes.and(writable(sector, false), within, from, offset, n);
            }
            address += n;
            offset += n;
            length -= n;
        }
    }

    @Override
    public synchronized int firstOneOverZero(long address, byte[] from, int offset, int length) {
        int done = 0;
        while (done < length) {
            int sector = (int) (address / SECTOR);
            int within = (int) (address % SECTOR);
            int n = Math.min(length - done, SECTOR - within);
            byte[] content = sector(sector);
            int bad;
            if (sector == matchSector) {
                int shared = Math.max(0, Math.min(n, matchEnd - within));
                bad = shared == 0 ? -1
                        : ErasedBytes.firstOneOverZero(matchContent, within, from, offset + done, shared);
            } else {
                bad = content == null ? -1 : ErasedBytes.firstOneOverZero(content, within, from, offset + done, n);
            }
            if (bad >= 0) {
                return done + bad;
            }
            address += n;
            done += n;
        }
        return -1;
    }

    @Override
    public synchronized void erase(long address, int length) {
        if (matchSector >= 0 && matchSector >= address / SECTOR && matchSector <= (address + length - 1) / SECTOR) {
            settleMatch();
        }
        while (length > 0) {
            int sector = (int) (address / SECTOR);
            int within = (int) (address % SECTOR);
            int n = Math.min(length, SECTOR - within);
            if (n == SECTOR) {
                drop(sector);
            } else {
                Arrays.fill(writable(sector, false), within, within + n, (byte) 0xFF);
            }
            address += n;
            length -= n;
        }
    }

    /** Interns the sectors being written, so the device holds only shared contents. */
    @Override
    public synchronized void flush() {
        settleMatch();
        while (privateCount > 0) {
            seal(privateSectors[--privateCount]);
        }
    }

    /** Releases every sector back to the pool. */
    @Override
    public synchronized void close() {
        settleMatch();
        for (int i = 0; i < sectorCount(); i++) {
            drop(i);
        }
    }

    /**
     * A second chip with the same contents, sharing every sector with this one: how a fleet of identically
     * provisioned devices is made in microseconds and a few KiB each.
     */
    public synchronized CompactStorage copy() {
        flush();
        CompactStorage copy = new CompactStorage(size, pool);
        for (int i = 0; i < sectorCount(); i++) {
            byte[] content = sector(i);
            if (content != null) {
                pool.retain(content);
                copy.set(i, content);
            }
        }
        return copy;
    }

    /** Sectors this device holds its own copy of (being written): what it costs the heap beyond the pool. */
    public synchronized int ownSectors() {
        return privateCount + (matchSector >= 0 ? 1 : 0);
    }

    /** Sectors holding anything but 0xFF (or being written). */
    public synchronized int sectorsInUse() {
        settleMatch();
        int used = 0;
        for (int i = 0; i < sectorCount(); i++) {
            used += sector(i) != null ? 1 : 0;
        }
        return used;
    }

    /**
     * Whether the piece {@code [within, within + n)} of {@code sector} was taken by comparison with pooled contents
     * rather than by copying: it continues the sector being matched, or starts an erased sector whose last pooled
     * contents begin with it. A piece that does not match leaves the sector as a private copy of what it holds.
     */
    private boolean matched(int sector, int within, byte[] from, int offset, int n) {
        if (sector == matchSector) {
            if (within == matchEnd && Arrays.equals(from, offset, offset + n, matchContent, within, within + n)) {
                matchEnd += n;
                completeMatch();
                return true;
            }
            settleMatch();
            return false;
        }
        if (within != 0 || sector(sector) != null) {
            return false;
        }
        byte[] candidate = pool.candidate(sector);
        if (candidate == null) {
            return false;
        }
        if (!Arrays.equals(from, offset, offset + n, candidate, 0, n)) {
            pool.release(candidate);
            return false;
        }
        settleMatch();
        matchSector = sector;
        matchContent = candidate;
        matchEnd = n;
        completeMatch();
        return true;
    }

    /** A sector matched to its end shares the pooled contents (the reference {@link SectorPool#candidate} took). */
    private void completeMatch() {
        if (matchEnd == SECTOR) {
            set(matchSector, matchContent);
            matchSector = -1;
            matchContent = null;
        }
    }

    /** Turns a partly matched sector into a private copy of what it holds, so that any operation applies to it. */
    private void settleMatch() {
        if (matchSector < 0) {
            return;
        }
        int sector = matchSector;
        byte[] content = matchContent;
        matchSector = -1;
        matchContent = null;
        byte[] copy = writable(sector, false);
        System.arraycopy(content, 0, copy, 0, matchEnd);
        pool.release(content);
    }

    private int sectorCount() {
        return (int) (size / SECTOR);
    }

    private byte[] sector(int sector) {
        byte[][] block = blocks[sector / SECTORS_PER_BLOCK];
        return block == null ? null : block[sector % SECTORS_PER_BLOCK];
    }

    private void set(int sector, byte[] content) {
        byte[][] block = blocks[sector / SECTORS_PER_BLOCK];
        if (block == null) {
            if (content == null) {
                return;
            }
            block = new byte[SECTORS_PER_BLOCK][];
            blocks[sector / SECTORS_PER_BLOCK] = block;
        }
        block[sector % SECTORS_PER_BLOCK] = content;
    }

    /** Sectors being written are this device's own; every other non-erased sector is pooled. */
    private boolean isPrivate(int sector) {
        for (int i = 0; i < privateCount; i++) {
            if (privateSectors[i] == sector) {
                return true;
            }
        }
        return false;
    }

    /** The sector's private contents; {@code overwritten}: the caller replaces all of it, so skip filling it. */
    private byte[] writable(int sector, boolean overwritten) {
        byte[] current = sector(sector);
        if (current != null && isPrivate(sector)) {
            return current;
        }
        byte[] copy;
        if (current == null) {
            copy = new byte[SECTOR];
            if (!overwritten) {
                Arrays.fill(copy, (byte) 0xFF);
            }
        } else if (overwritten) {
            copy = new byte[SECTOR];
            pool.release(current);
        } else {
            copy = current.clone();
            pool.release(current);
        }
        if (privateCount == MAX_PRIVATE) {
            seal(privateSectors[0]);
            System.arraycopy(privateSectors, 1, privateSectors, 0, MAX_PRIVATE - 1);
            privateCount--;
        }
        privateSectors[privateCount++] = sector;
        set(sector, copy);
        return copy;
    }

    /** Called with {@code sector} already out of the private list, or about to be. */
    private void seal(int sector) {
        byte[] content = sector(sector);
        if (content == null) {
            return;
        }
        set(sector, ErasedBytes.isErased(content, 0, content.length) ? null : pool.intern(content, sector));
    }

    private void drop(int sector) {
        byte[] content = sector(sector);
        if (content == null) {
            return;
        }
        if (isPrivate(sector)) {
            for (int i = 0; i < privateCount; i++) {
                if (privateSectors[i] == sector) {
                    System.arraycopy(privateSectors, i + 1, privateSectors, i, privateCount - i - 1);
                    privateCount--;
                    break;
                }
            }
        } else {
            pool.release(content);
        }
        set(sector, null);
    }
}
