package dev.flota.flash.nvs;

import dev.flota.flash.nvs.NvsException.Error;
import dev.flota.flash.nvs.NvsStorage.Located;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * ESP-IDF's multi-page blobs (blob v2) under {@link NvsStorage}: BLOB_DATA chunks of at most a page's tailroom and
 * the BLOB_IDX item that counts them, in one of two versions (chunks from 0 or from 0x80) so that a rewrite is whole
 * before the old version goes; and the mount-time check that drops what a power cut left of a blob half written or
 * half erased. {@link NvsStorage} decides what a set replaces; this class knows the chunks.
 */
final class NvsBlobs {

    private static final int MAX_BLOB_CHUNKS = 127;
    private static final int MIN_FIRST_CHUNK = NvsItem.MAX_PAYLOAD / 10;

    private final NvsStorage storage;
    private final NvsPageManager pages;
    private final int pageCount;
    private final List<NvsPage> used;

    NvsBlobs(NvsStorage storage, NvsPageManager pages) {
        this.storage = storage;
        this.pages = pages;
        this.pageCount = pages.pageCount();
        this.used = pages.used();
    }

    /** Blob indexes whose chunks do not add up are erased, then chunks no surviving index covers. */
    void checkBlobs() {
        List<Located> indexes = all(NvsType.BLOB_IDX);
        List<Located> chunks = all(NvsType.BLOB_DATA);
        for (Located idx : indexes) {
            NvsItem x = idx.item();
            int start = x.blobChunkStart();
            int end = start == 0 ? 0x80 : 0xFF;
            long size = 0;
            int count = 0;
            for (Located c : chunks) {
                NvsItem ci = c.item();
                if (ci.nsIndex() == x.nsIndex() && ci.sameKey(x.key()) && ci.chunkIndex() >= start
                        && ci.chunkIndex() < end) {
                    size += ci.payloadSize();
                    count++;
                }
            }
            if (size != x.blobSize() || count != x.blobChunkCount()) {
                idx.page().eraseItem(idx.index(), true);
            }
        }
        List<Located> surviving = all(NvsType.BLOB_IDX);
        for (Located c : chunks) {
            NvsItem ci = c.item();
            boolean covered = surviving.stream().map(Located::item).anyMatch(x -> x.nsIndex() == ci.nsIndex()
                    && x.sameKey(ci.key()) && ci.chunkIndex() >= x.blobChunkStart()
                    && ci.chunkIndex() < x.blobChunkStart() + x.blobChunkCount());
            if (!covered) {
                c.page().eraseItem(c.index(), true);
            }
        }
    }

    private List<Located> all(NvsType type) {
        List<Located> out = new ArrayList<>();
        for (NvsPage p : used) {
            for (int i = 0; i < NvsPage.ENTRIES; i++) {
                NvsItem it = p.item(i);
                if (it != null && it.typeCode() == type.code()) {
                    out.add(new Located(p, i, p.generation()));
                }
            }
        }
        return out;
    }

    /** The blob the index {@code x} counts, or null when a chunk is missing or the sizes disagree. */
    NvsValue readBlob(int ns, byte[] key, NvsItem x) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int n = 0; n < x.blobChunkCount(); n++) {
            byte[] chunk = storage.payload(storage.find(ns, NvsType.BLOB_DATA, key, x.blobChunkStart() + n, -1));
            if (chunk == null) {
                return null;
            }
            out.writeBytes(chunk);
        }
        return out.size() == x.blobSize() ? NvsValue.blob(out.toByteArray()) : null;
    }

    /** The most a blob may hold here: one page is kept free, and an index counts at most 127 chunks. */
    long maxBlobSize() {
        return (long) Math.min(pageCount - 1, MAX_BLOB_CHUNKS) * NvsItem.MAX_PAYLOAD;
    }

    /** Chunks of at most the current page's tailroom, then the index; ESP-IDF's {@code writeMultiPageBlob}. */
    Located writeBlob(int ns, String name, byte[] key, byte[] data, int start) {
        int offset = 0;
        int count = 0;
        int pagesWithoutChunk = 0;
        while (true) {
            NvsPage page = pages.current();
            int tailroom = page == null ? 0 : page.tailroom();
            int remaining = data.length - offset;
            if (count == 0 && tailroom < remaining && tailroom < MIN_FIRST_CHUNK || tailroom == 0) {
                if (++pagesWithoutChunk > pageCount) {
                    eraseChunks(ns, key, start);
                    throw new NvsException(Error.NOT_ENOUGH_SPACE, "no page has room for the blob");
                }
                try {
                    pages.newPage(page);
                } catch (NvsException e) {
                    eraseChunks(ns, key, start);
                    throw e;
                }
                continue;
            }
            pagesWithoutChunk = 0;
            if (count == MAX_BLOB_CHUNKS) {
                eraseChunks(ns, key, start);
                throw new NvsException(Error.VALUE_TOO_LONG, "the blob needs more than 127 chunks");
            }
            int n = Math.min(remaining, tailroom);
            byte[] chunk = Arrays.copyOfRange(data, offset, offset + n);
            try {
                page.write(NvsItem.variableLength(ns, NvsType.BLOB_DATA, name, start + count, chunk), chunk);
                count++;
                offset += n;
                if (offset < data.length || page.tailroom() < NvsItem.SIZE) {
                    pages.newPage(page);
                }
            } catch (NvsException e) {
                eraseChunks(ns, key, start);
                throw e;
            }
            if (offset == data.length) {
                break;
            }
        }
        return storage.writeItem(NvsItem.blobIndex(ns, name, data.length, count, start), null);
    }

    void eraseBlob(int ns, byte[] key, int start) {
        Located idx = storage.find(ns, NvsType.BLOB_IDX, key, NvsItem.CHUNK_ANY, start);
        if (idx != null) {
            idx.page().eraseItem(idx.index(), false);
        }
        eraseChunks(ns, key, start);
    }

    private void eraseChunks(int ns, byte[] key, int start) {
        int end = start == 0 ? 0x80 : 0xFF;
        for (NvsPage p : used) {
            for (int i = 0; i < NvsPage.ENTRIES; i++) {
                NvsItem it = p.item(i);
                if (it != null && it.typeCode() == NvsType.BLOB_DATA.code() && it.nsIndex() == ns
                        && it.sameKey(key) && it.chunkIndex() >= start && it.chunkIndex() < end) {
                    p.eraseItem(i, false);
                }
            }
        }
    }
}
