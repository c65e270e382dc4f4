package dev.flota.flash.nvs;

import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.nvs.NvsException.Error;
import dev.flota.flash.nvs.NvsPageHeader.State;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.List;

/**
 * ESP-IDF's {@code PageManager}: the used pages in sequence order and the free ones, the mount-time rules across
 * pages (the newest copy of a duplicate wins, an interrupted reclaim is finished, one free page is required), and
 * new pages on demand, reclaiming the page with the most dead entries when only one page is free.
 */
final class NvsPageManager {

    private final boolean writable;
    private final int pageCount;
    private final List<NvsPage> used = new ArrayList<>();
    private final Deque<NvsPage> free = new ArrayDeque<>();
    private long nextSeq;

    private NvsPageManager(boolean writable, int pageCount) {
        this.writable = writable;
        this.pageCount = pageCount;
    }

    static NvsPageManager load(NorFlash flash, long offset, long size, boolean writable) {
        if (size <= 0 || size % NorFlash.SECTOR_SIZE != 0 || offset % NorFlash.SECTOR_SIZE != 0) {
            throw new NvsException(Error.INVALID_SIZE, String.format(
                    "an NVS partition is whole 4 KiB pages at a 4 KiB boundary, got 0x%x bytes at 0x%x", size, offset));
        }
        NvsPageManager m = new NvsPageManager(writable, (int) (size / NorFlash.SECTOR_SIZE));
        for (int i = 0; i < m.pageCount; i++) {
            NvsPage page = NvsPage.load(flash, offset + (long) i * NorFlash.SECTOR_SIZE, writable);
            (page.isUsed() ? m.used : m.free).add(page);
        }
        m.used.sort(Comparator.comparingLong(NvsPage::seq));
        m.nextSeq = m.used.isEmpty() ? 0 : m.used.get(m.used.size() - 1).seq() + 1;
        if (writable) {
            m.eraseCrossPageDuplicate();
        }
        m.finishInterruptedReclaim();
        if (m.used.isEmpty() && !m.free.isEmpty()) {
            m.activate();
        }
        if (writable && m.free.isEmpty()) {
            throw new NvsException(Error.NO_FREE_PAGES, "no empty page is left (" + m.pageCount + " page"
                    + (m.pageCount == 1 ? "" : "s") + ", all in use); ESP-IDF needs one free page to mount read/write "
                    + "(the example then erases the partition)");
        }
        return m;
    }

    /** The newest page's last item, written before a power cut could erase its old copy, wins over that copy. */
    private void eraseCrossPageDuplicate() {
        if (used.size() < 2) {
            return;
        }
        NvsPage newest = used.get(used.size() - 1);
        int last = newest.lastItem();
        if (last < 0) {
            return;
        }
        NvsItem item = newest.item(last);
        NvsType type = item.type().orElseThrow();
        if (!eraseFirstOnOlderPages(item, type) && type == NvsType.BLOB_IDX) {
            eraseFirstOnOlderPages(item, NvsType.BLOB);
        }
    }

    private boolean eraseFirstOnOlderPages(NvsItem item, NvsType type) {
        for (NvsPage p : used.subList(0, used.size() - 1)) {
            if (p.state() == State.FREEING) {
                continue;
            }
            int i = p.find(item.nsIndex(), type, item.key(), item.chunkIndex(), -1);
            if (i >= 0) {
                p.eraseItem(i, true);
                return true;
            }
        }
        return false;
    }

    /** A FREEING page means a reclaim was cut: its partial copy is dropped and the move done again. */
    private void finishInterruptedReclaim() {
        for (NvsPage p : used) {
            if (p.state() != State.FREEING) {
                continue;
            }
            NvsPage newest = used.get(used.size() - 1);
            if (newest != p && newest.state() == State.ACTIVE) {
                newest.erase();
                used.remove(newest);
                free.addLast(newest);
            }
            if (free.isEmpty()) {
                if (writable) {
                    throw new NvsException(Error.NO_FREE_PAGES, "a page reclaim was cut and no page is free to "
                            + "finish it");
                }
                return;
            }
            NvsPage target = activate();
            p.copyItemsTo(target);
            p.erase();
            used.remove(p);
            free.addLast(p);
            return;
        }
    }

    boolean writable() {
        return writable;
    }

    int pageCount() {
        return pageCount;
    }

    /** The used pages, oldest first; the list is live. */
    List<NvsPage> used() {
        return used;
    }

    NvsPage current() {
        return used.isEmpty() ? null : used.get(used.size() - 1);
    }

    /** Closes {@code current} (FULL) when it is ACTIVE and takes a new page. */
    void newPage(NvsPage current) {
        if (current != null && current.state() == State.ACTIVE) {
            current.mark(State.FULL);
        }
        requestNewPage();
    }

    /** {@code PageManager::requestNewPage}: a free page, or reclaim the page with the most dead entries into the last. */
    private void requestNewPage() {
        if (free.isEmpty()) {
            throw new NvsException(Error.NOT_ENOUGH_SPACE, "no free page");
        }
        if (free.size() >= 2) {
            activate();
            return;
        }
        NvsPage victim = null;
        int most = 0;
        for (NvsPage p : used) {
            int unused = NvsPage.ENTRIES - p.usedEntries();
            if (unused > most) {
                victim = p;
                most = unused;
            }
        }
        if (victim == null) {
            throw new NvsException(Error.NOT_ENOUGH_SPACE, "every entry of every page is live");
        }
        victim.mark(State.FREEING);
        NvsPage target = activate();
        victim.copyItemsTo(target);
        victim.erase();
        used.remove(victim);
        free.addLast(victim);
    }

    private NvsPage activate() {
        NvsPage p = free.removeFirst();
        if (p.state() != State.EMPTY) {
            p.erase();
        }
        p.activate(nextSeq++);
        used.add(p);
        return p;
    }

}
