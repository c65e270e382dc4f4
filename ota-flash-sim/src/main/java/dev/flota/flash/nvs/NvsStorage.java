package dev.flota.flash.nvs;

import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.nvs.NvsException.Error;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * ESP-IDF's {@code Storage} over the pages of one partition: namespaces, lookups in sequence order, the write path
 * (new item, then old one erased) and blobs v2 with v1 read, the chunks of a v2 blob and their checks at mount in
 * {@link NvsBlobs}. Not thread-safe; {@link NvsPartition} serialises calls.
 */
final class NvsStorage {

    private final NvsPageManager pages;
    private final boolean writable;
    private final int pageCount;
    private final List<NvsPage> used;
    private final Map<String, Integer> namespaces = new LinkedHashMap<>();
    private final NvsBlobs blobs;

    /** Where {@code find} saw an item: stale once its page was erased or the item itself was. */
    record Located(NvsPage page, int index, long generation) {
        NvsItem item() {
            return page.item(index);
        }

        boolean stale() {
            return page.generation() != generation || page.item(index) == null;
        }
    }

    private NvsStorage(NvsPageManager pages) {
        this.pages = pages;
        this.writable = pages.writable();
        this.pageCount = pages.pageCount();
        this.used = pages.used();
        this.blobs = new NvsBlobs(this, pages);
    }

    static NvsStorage mount(NorFlash flash, long offset, long size, boolean writable) {
        NvsStorage s = new NvsStorage(NvsPageManager.load(flash, offset, size, writable));
        s.loadNamespaces();
        s.blobs.checkBlobs();
        return s;
    }

    private void loadNamespaces() {
        for (NvsPage p : used) {
            for (int i = 0; i < NvsPage.ENTRIES; i++) {
                NvsItem it = p.item(i);
                if (it != null && it.nsIndex() == 0 && it.typeCode() == NvsType.U8.code()) {
                    namespaces.putIfAbsent(it.keyString(), (int) it.integerValue());
                }
            }
        }
    }

    boolean writable() {
        return writable;
    }

    Map<String, Integer> namespaces() {
        return Map.copyOf(namespaces);
    }

    Map<String, Integer> namespacesInOrder() {
        return new LinkedHashMap<>(namespaces);
    }

    /** {@code nvs_open}: the namespace's index, created (lowest free index 1..254) when {@code create}. */
    int namespace(String name, boolean create) {
        Integer index = namespaces.get(name);
        if (index != null) {
            return index;
        }
        if (!create) {
            return -1;
        }
        requireWritable();
        NvsItem.keyBytes(name);
        if (name.isEmpty()) {
            throw new NvsException(Error.INVALID_NAME, "a namespace needs a name");
        }
        int n = 1;
        while (n < 255 && namespaces.containsValue(n)) {
            n++;
        }
        if (n == 255) {
            throw new NvsException(Error.NOT_ENOUGH_SPACE, "all 254 namespace indexes are in use");
        }
        set(0, name, NvsValue.u8(n));
        namespaces.put(name, n);
        return n;
    }

    // ---- lookups

    Located find(int ns, NvsType type, byte[] key, int chunkIndex, int chunkStart) {
        for (NvsPage p : used) {
            int i = p.find(ns, type, key, chunkIndex, chunkStart);
            if (i >= 0) {
                return new Located(p, i, p.generation());
            }
        }
        return null;
    }

    /** What {@code nvs_get_*} returns for {@code type} (BLOB: v2, else v1), or null for NOT_FOUND. */
    NvsValue get(int ns, String name, NvsType type) {
        byte[] key = NvsItem.keyBytes(name);
        if (type.isInteger()) {
            Located at = find(ns, type, key, NvsItem.CHUNK_ANY, -1);
            return at == null ? null : NvsValue.integer(type, at.item().integerValue());
        }
        if (type == NvsType.STR) {
            byte[] payload = payload(find(ns, NvsType.STR, key, NvsItem.CHUNK_ANY, -1));
            return payload == null ? null : NvsValue.storedString(payload);
        }
        if (type != NvsType.BLOB) {
            throw new IllegalArgumentException("get an integer type, STR or BLOB, not " + type);
        }
        Located idx = find(ns, NvsType.BLOB_IDX, key, NvsItem.CHUNK_ANY, -1);
        if (idx == null) {
            byte[] v1 = payload(find(ns, NvsType.BLOB, key, NvsItem.CHUNK_ANY, -1));
            return v1 == null ? null : NvsValue.blob(v1);
        }
        return blobs.readBlob(ns, key, idx.item());
    }

    /** The payload at {@code at} (null for none); a payload whose data CRC is wrong is erased and reads as null. */
    byte[] payload(Located at) {
        if (at == null) {
            return null;
        }
        byte[] data = at.page().payload(at.index());
        if (data == null) {
            at.page().eraseItem(at.index(), false);
        }
        return data;
    }

    /** Every readable key in page order with the value {@code nvs_get_*} returns, namespace items excluded. */
    List<NvsEntry> entries() {
        Map<Integer, String> names = new LinkedHashMap<>();
        namespaces.forEach((name, index) -> names.putIfAbsent(index, name));
        Map<String, NvsEntry> out = new LinkedHashMap<>();
        for (NvsPage p : used) {
            for (int i = 0; i < NvsPage.ENTRIES; i++) {
                NvsItem it = p.item(i);
                if (it == null || it.nsIndex() == 0 || it.typeCode() == NvsType.BLOB_DATA.code()
                        || names.get(it.nsIndex()) == null) {
                    continue;
                }
                NvsType type = it.type().orElseThrow();
                NvsType asked = type == NvsType.BLOB_IDX ? NvsType.BLOB : type;
                String id = it.nsIndex() + "/" + it.keyString() + "/" + asked;
                if (!out.containsKey(id)) {
                    NvsValue v = get(it.nsIndex(), it.keyString(), asked);
                    if (v != null) {
                        out.put(id, new NvsEntry(names.get(it.nsIndex()), it.keyString(), v));
                    }
                }
            }
        }
        return List.copyOf(out.values());
    }

    NvsPartition.Stats stats() {
        int usedEntries = 0;
        for (NvsPage p : used) {
            usedEntries += p.usedEntries();
        }
        int total = pageCount * NvsPage.ENTRIES;
        int freeEntries = total - usedEntries;
        return new NvsPartition.Stats(usedEntries, freeEntries, Math.max(0, freeEntries - NvsPage.ENTRIES), total,
                namespaces.size());
    }

    // ---- writes

    /** {@code nvs_set_*}: nothing when the same value is stored; else the new item, then the old one erased. */
    void set(int ns, String name, NvsValue value) {
        requireWritable();
        if (name.isEmpty()) {
            throw new NvsException(Error.INVALID_NAME, "a key needs a name");
        }
        byte[] key = NvsItem.keyBytes(name);
        if (value.type() == NvsType.BLOB) {
            setBlob(ns, name, key, value.bytes());
            return;
        }
        NvsType type = value.type();
        Located old = find(ns, type, key, NvsItem.CHUNK_ANY, -1);
        if (old == null) {
            old = find(ns, null, key, NvsItem.CHUNK_ANY, -1);
        } else if (value.equals(get(ns, name, type))) {
            return;
        }
        NvsType oldType = old == null ? null : old.item().type().orElseThrow();
        if (type == NvsType.STR) {
            byte[] payload = value.payload();
            if (payload.length > NvsItem.MAX_PAYLOAD) {
                throw new NvsException(Error.VALUE_TOO_LONG, "a string holds at most 4000 bytes with its NUL, got "
                        + payload.length);
            }
            Located written = writeItem(NvsItem.variableLength(ns, NvsType.STR, name, NvsItem.CHUNK_ANY, payload),
                    payload);
            eraseOld(ns, key, old, oldType, written);
        } else {
            Located written = writeItem(NvsItem.integer(ns, type, name, value.longValue()), null);
            eraseOld(ns, key, old, oldType, written);
        }
    }

    private void eraseOld(int ns, byte[] key, Located old, NvsType oldType, Located written) {
        if (old == null) {
            return;
        }
        if (old.stale()) {
            old = find(ns, oldType, key, NvsItem.CHUNK_ANY, -1);
            if (old == null || old.page() == written.page() && old.index() == written.index()) {
                return;
            }
        }
        if (oldType == NvsType.BLOB_IDX) {
            blobs.eraseBlob(ns, key, old.item().blobChunkStart());
        } else {
            old.page().eraseItem(old.index(), false);
        }
    }

    /** {@code nvs_erase_key}; false when there was no such key. */
    boolean erase(int ns, String name) {
        requireWritable();
        byte[] key = NvsItem.keyBytes(name);
        Located at = find(ns, null, key, NvsItem.CHUNK_ANY, -1);
        if (at == null) {
            return false;
        }
        if (at.item().typeCode() == NvsType.BLOB_IDX.code()) {
            blobs.eraseBlob(ns, key, at.item().blobChunkStart());
        } else {
            at.page().eraseItem(at.index(), false);
        }
        return true;
    }

    /** {@code nvs_erase_all}: every item of the namespace; the namespace entry itself stays. */
    void eraseAll(int ns) {
        requireWritable();
        for (NvsPage p : used) {
            for (int i = 0; i < NvsPage.ENTRIES; i++) {
                NvsItem it = p.item(i);
                if (it != null && it.nsIndex() == ns) {
                    p.eraseItem(i, false);
                }
            }
        }
    }

    private void setBlob(int ns, String name, byte[] key, byte[] data) {
        long max = blobs.maxBlobSize();
        if (data.length > max) {
            throw new NvsException(Error.VALUE_TOO_LONG, "a blob in " + pageCount + " pages holds at most " + max
                    + " bytes, got " + data.length);
        }
        Located old = find(ns, NvsType.BLOB_IDX, key, NvsItem.CHUNK_ANY, -1);
        if (old != null) {
            NvsValue current = get(ns, name, NvsType.BLOB);
            if (current != null && Arrays.equals(current.bytes(), data)) {
                return;
            }
        } else {
            old = find(ns, null, key, NvsItem.CHUNK_ANY, -1);
        }
        NvsType oldType = old == null ? null : old.item().type().orElseThrow();
        int oldStart = oldType == NvsType.BLOB_IDX ? old.item().blobChunkStart() : -1;
        int start = oldStart == 0 ? 0x80 : 0;
        Located written = blobs.writeBlob(ns, name, key, data, start);
        if (oldType == NvsType.BLOB_IDX) {
            blobs.eraseBlob(ns, key, oldStart);
        } else {
            eraseOld(ns, key, old, oldType, written);
        }
    }

    /** Appends to the ACTIVE page; when the item does not fit, that page becomes FULL and a new one is taken. */
    Located writeItem(NvsItem header, byte[] payload) {
        NvsPage page = pages.current();
        if (page == null || !page.fits(header.span())) {
            pages.newPage(page);
            page = pages.current();
            if (!page.fits(header.span())) {
                throw new NvsException(Error.NOT_ENOUGH_SPACE, "no room for a " + header.span()
                        + "-entry item even after reclaiming a page");
            }
        }
        int index = page.write(header, payload);
        return new Located(page, index, page.generation());
    }

    private void requireWritable() {
        if (!writable) {
            throw new NvsException(Error.READ_ONLY, "the partition is mounted read-only");
        }
    }
}
