package dev.flota.flash.nvs;

import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.nvs.NvsPageHeader.State;
import dev.flota.flash.otadata.EspCrc32;
import java.util.Arrays;

/**
 * One 4 KiB NVS page of a mounted partition: a mirror of the sector, its state, the live item headers, and the flash
 * writes of ESP-IDF's {@code nvs::Page} in the same order. On a read-only mount the writes change only the mirror.
 * After a {@link dev.flota.flash.nor.FlashException} the mirror may be ahead of the flash: remount.
 */
final class NvsPage {

    static final int ENTRIES = EntryStateBitmap.ENTRIES;
    static final int ENTRY = NvsItem.SIZE;
    static final int NOT_FOUND = -1;
    static final int TYPE_MISMATCH = -2;
    private static final int BITMAP = NvsPageHeader.SIZE;
    private static final int FIRST_ENTRY = BITMAP + EntryStateBitmap.SIZE;
    private static final EntryStateBitmap.State E_EMPTY = EntryStateBitmap.State.EMPTY;
    private static final EntryStateBitmap.State E_WRITTEN = EntryStateBitmap.State.WRITTEN;
    private static final EntryStateBitmap.State E_ERASED = EntryStateBitmap.State.ERASED;
    private static final EntryStateBitmap.State E_ILLEGAL = EntryStateBitmap.State.ILLEGAL;

    private final NorFlash flash;
    private final long address;
    private final boolean writable;
    private final byte[] image;
    private final NvsItem[] items = new NvsItem[ENTRIES];
    private State state;
    private long seq;
    private boolean headerWritten;
    private int nextFree;
    private int used;
    private long generation;

    private NvsPage(NorFlash flash, long address, boolean writable, byte[] image) {
        this.flash = flash;
        this.address = address;
        this.writable = writable;
        this.image = image;
    }

    /** ESP-IDF's {@code Page::load}: classify the page and, for a used one, apply the per-page recovery rules. */
    static NvsPage load(NorFlash flash, long address, boolean writable) {
        NvsPage page = new NvsPage(flash, address, writable, flash.read(address, NorFlash.SECTOR_SIZE));
        NvsPageHeader header = NvsPageHeader.parse(page.image, 0);
        if (header.stateWord() == State.EMPTY.word()) {
            boolean blank = true;
            for (byte b : page.image) {
                blank &= b == (byte) 0xFF;
            }
            page.state = blank ? State.EMPTY : State.CORRUPT;
            return page;
        }
        if (!header.crcValid()) {
            page.state = State.CORRUPT;
            return page;
        }
        if (header.version() < NvsPageHeader.VERSION_2) {
            throw new NvsException(NvsException.Error.NEW_VERSION_FOUND, String.format(
                    "the page at 0x%x has format version 0x%02x, newer than this NVS (0xfe); ESP-IDF refuses to mount "
                            + "it (the example then erases the partition)", address, header.version()));
        }
        page.state = header.state();
        if (page.state == State.EMPTY || page.state == State.CORRUPT) {
            page.state = State.CORRUPT;
            return page;
        }
        page.seq = header.seq();
        page.headerWritten = true;
        page.loadEntries();
        return page;
    }

    private void loadEntries() {
        boolean active = state == State.ACTIVE;
        nextFree = ENTRIES;
        if (active) {
            for (int i = 0; i < ENTRIES; i++) {
                if (entryState(i) == E_EMPTY) {
                    nextFree = i;
                    break;
                }
            }
            for (int i = nextFree; i < ENTRIES; i++) {
                if (entryState(i) == E_EMPTY && !blank(i)) {
                    eraseEntries(i, 1, true);
                    nextFree = i + 1;
                }
            }
        }
        int end = nextFree;
        for (int i = 0; i < end; ) {
            EntryStateBitmap.State s = entryState(i);
            if (s != E_WRITTEN) {
                if (s == E_ILLEGAL) {
                    eraseEntries(i, 1, true);
                }
                i++;
                continue;
            }
            NvsItem item = entry(i);
            if (!item.consistentAt(i)) {
                eraseEntries(i, 1, true);
                i++;
                continue;
            }
            int span = item.span();
            boolean whole = true;
            for (int j = 1; j < span; j++) {
                whole &= entryState(i + j) == E_WRITTEN;
            }
            if (!whole) {
                eraseEntries(i, span, true);
                nextFree = Math.max(nextFree, i + span);
                i += span;
                continue;
            }
            if (active) {
                for (int k = 0; k < i; k++) {
                    NvsItem earlier = items[k];
                    if (earlier != null && earlier.nsIndex() == item.nsIndex()
                            && earlier.chunkIndex() == item.chunkIndex() && Arrays.equals(earlier.key(), item.key())) {
                        eraseItem(k, true);
                    }
                }
            }
            items[i] = item;
            i += span;
        }
        used = bitmap().count(E_WRITTEN);
    }

    State state() {
        return state;
    }

    long seq() {
        return seq;
    }

    long generation() {
        return generation;
    }

    int usedEntries() {
        return used;
    }

    boolean isUsed() {
        return state == State.ACTIVE || state == State.FULL || state == State.FREEING;
    }

    /** The live item header at {@code index}, or null. */
    NvsItem item(int index) {
        return items[index];
    }

    /** Index of the last live item header, or -1. */
    int lastItem() {
        for (int i = ENTRIES - 1; i >= 0; i--) {
            if (items[i] != null) {
                return i;
            }
        }
        return -1;
    }

    /**
     * ESP-IDF's {@code Page::findItem}: the first live item with this namespace, key and chunk index (and, for a blob
     * index with {@code chunkStart >= 0}, that version). Returns its index, {@link #NOT_FOUND}, or
     * {@link #TYPE_MISMATCH} when the first such item has another type ({@code type == null} matches any).
     */
    int find(int ns, NvsType type, byte[] key, int chunkIndex, int chunkStart) {
        for (int i = 0; i < ENTRIES; i++) {
            NvsItem it = items[i];
            if (it == null || it.nsIndex() != ns || it.chunkIndex() != chunkIndex || !it.sameKey(key)) {
                continue;
            }
            if (type == NvsType.BLOB_IDX && chunkStart >= 0 && it.typeCode() == NvsType.BLOB_IDX.code()
                    && it.blobChunkStart() != chunkStart) {
                continue;
            }
            if (type != null && it.typeCode() != type.code()) {
                return TYPE_MISMATCH;
            }
            return i;
        }
        return NOT_FOUND;
    }

    /** The payload of the variable-length item at {@code index}, or null when its data CRC is wrong. */
    byte[] payload(int index) {
        NvsItem it = items[index];
        int start = FIRST_ENTRY + (index + 1) * ENTRY;
        byte[] data = Arrays.copyOfRange(image, start, start + it.payloadSize());
        return EspCrc32.crc32Le(0xFFFFFFFFL, data) == it.payloadCrc() ? data : null;
    }

    /** Bytes a new variable-length item could hold on this page (ESP-IDF's {@code getVarDataTailroom}). */
    int tailroom() {
        return state == State.ACTIVE && nextFree < ENTRIES ? (ENTRIES - nextFree - 1) * ENTRY : 0;
    }

    boolean fits(int span) {
        return state == State.ACTIVE && nextFree + span <= ENTRIES;
    }

    /**
     * {@code Page::writeItem}: (page header on a fresh page), header entry, its bitmap word, then for a payload the
     * full entries in one write and their bitmap words from the highest down, then the 0xFF-padded tail entry and its
     * bitmap word. Returns the item's index.
     */
    int write(NvsItem header, byte[] payload) {
        if (!fits(header.span())) {
            throw new IllegalStateException("item does not fit the page");
        }
        int index = nextFree;
        writeEntry(header.encode());
        if (payload != null) {
            int full = payload.length / ENTRY;
            if (full > 0) {
                program(FIRST_ENTRY + nextFree * ENTRY, Arrays.copyOf(payload, full * ENTRY));
                setStates(nextFree, full, E_WRITTEN);
                nextFree += full;
                used += full;
            }
            if (payload.length % ENTRY != 0) {
                byte[] tail = new byte[ENTRY];
                Arrays.fill(tail, (byte) 0xFF);
                System.arraycopy(payload, full * ENTRY, tail, 0, payload.length - full * ENTRY);
                writeEntry(tail);
            }
        }
        items[index] = header;
        return index;
    }

    /** Marks the item at {@code index} ERASED over its whole span (NVS_READWRITE: the bytes stay). */
    void eraseItem(int index, boolean purge) {
        NvsItem it = items[index];
        eraseEntries(index, it == null ? 1 : it.span(), purge);
    }

    /** {@code Page::copyItems}: every live item, entry by entry, appended to {@code target}. */
    void copyItemsTo(NvsPage target) {
        for (int i = 0; i < ENTRIES; i++) {
            NvsItem it = items[i];
            if (it == null) {
                continue;
            }
            int index = target.nextFree;
            for (int j = 0; j < it.span(); j++) {
                int off = FIRST_ENTRY + (i + j) * ENTRY;
                target.writeEntry(Arrays.copyOfRange(image, off, off + ENTRY));
            }
            target.items[index] = it;
        }
    }

    void mark(State newState) {
        program(0, NvsPageHeader.of(newState, seq).encode(), 4);
        state = newState;
    }

    /** Erases the sector: the page is EMPTY again. */
    void erase() {
        if (writable) {
            flash.eraseSector(address);
        }
        Arrays.fill(image, (byte) 0xFF);
        Arrays.fill(items, null);
        state = State.EMPTY;
        headerWritten = false;
        nextFree = 0;
        used = 0;
        generation++;
    }

    /** {@code PageManager::activatePage}: in memory only; the header is written with the first entry. */
    void activate(long sequence) {
        state = State.ACTIVE;
        seq = sequence;
        nextFree = 0;
        used = 0;
    }

    private void writeEntry(byte[] entry) {
        if (!headerWritten) {
            program(0, NvsPageHeader.of(State.ACTIVE, seq).encode());
            headerWritten = true;
        }
        program(FIRST_ENTRY + nextFree * ENTRY, entry);
        setStates(nextFree, 1, E_WRITTEN);
        nextFree++;
        used++;
    }

    private void eraseEntries(int first, int count, boolean purge) {
        for (int i = first; i < first + count; i++) {
            if (entryState(i) == E_WRITTEN) {
                used--;
            }
            items[i] = null;
        }
        setStates(first, count, E_ERASED);
        if (purge && writable) {
            program(FIRST_ENTRY + first * ENTRY, new byte[count * ENTRY]);
        } else if (purge) {
            Arrays.fill(image, FIRST_ENTRY + first * ENTRY, FIRST_ENTRY + (first + count) * ENTRY, (byte) 0);
        }
    }

    /** Sets entries {@code [first, first + count)} to {@code s}, one 4-byte bitmap write per word, highest first. */
    private void setStates(int first, int count, EntryStateBitmap.State s) {
        EntryStateBitmap bitmap = bitmap();
        int last = first + count - 1;
        for (int w = EntryStateBitmap.wordOf(last); w >= EntryStateBitmap.wordOf(first); w--) {
            for (int i = Math.max(first, w * 16); i <= Math.min(last, w * 16 + 15); i++) {
                bitmap = bitmap.with(i, s);
            }
            program(BITMAP + w * 4, bitmap.word(w));
        }
    }

    private EntryStateBitmap bitmap() {
        return EntryStateBitmap.parse(image, BITMAP);
    }

    EntryStateBitmap.State entryState(int i) {
        int shift = (i % 4) * 2;
        return switch ((image[BITMAP + i / 4] >>> shift) & 3) {
            case 3 -> E_EMPTY;
            case 2 -> E_WRITTEN;
            case 0 -> E_ERASED;
            default -> E_ILLEGAL;
        };
    }

    private NvsItem entry(int i) {
        return NvsItem.parse(image, FIRST_ENTRY + i * ENTRY);
    }

    private boolean blank(int i) {
        for (int k = FIRST_ENTRY + i * ENTRY; k < FIRST_ENTRY + (i + 1) * ENTRY; k++) {
            if (image[k] != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    private void program(int offset, byte[] bytes) {
        program(offset, bytes, bytes.length);
    }

    private void program(int offset, byte[] bytes, int length) {
        if (writable) {
            flash.program(address + offset, bytes, 0, length);
        }
        for (int i = 0; i < length; i++) {
            image[offset + i] &= bytes[i];
        }
    }
}
