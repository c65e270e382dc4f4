package dev.flota.flash.nor;

import java.lang.ref.WeakReference;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Results computed from flash contents, each kept with the exact bytes it was computed from, for fleets of simulated
 * devices: a device whose flash holds, byte for byte, the bytes of an entry takes that entry's result after comparing
 * them, instead of computing it again. Meant for {@code esp_ota_end}'s image check (SHA-256, checksum, descriptor):
 * 10,000 devices taking the same update each read their image back, and comparing 1 MiB costs a small fraction of
 * hashing it. A result must depend on nothing but those bytes and the entry's key (the check's options).
 *
 * <p>Entries are recorded one at a time (a recording keeps a copy of what it reads), at most {@code maxEntries} and
 * {@code maxBytes} of contents, the least recently matched dropped first. Thread-safe; a {@link Lookup} or
 * {@link Recording} belongs to one reader.
 */
public final class ContentMemo {

    private record Entry(Object key, byte[] contents, Object result) {
    }

    private final int maxEntries;
    private final long maxBytes;
    /** Most recently matched first. */
    private final ArrayDeque<Entry> entries = new ArrayDeque<>();
    private long bytesHeld;
    /** The recording in progress, if its reader is still alive: an update cut or aborted does not block the next. */
    private WeakReference<Recording> recording = new WeakReference<>(null);
    private final AtomicLong hits = new AtomicLong();

    public ContentMemo(int maxEntries, long maxBytes) {
        if (maxEntries < 1 || maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("a memo holds at least one entry, of 1 byte to 2 GiB");
        }
        this.maxEntries = maxEntries;
        this.maxBytes = maxBytes;
    }

    /** A lookup among the entries of {@code key}, fed the contents in order from their first byte. */
    public synchronized Lookup lookup(Object key) {
        List<Entry> candidates = new ArrayList<>();
        for (Entry entry : entries) {
            if (entry.key().equals(key)) {
                candidates.add(entry);
            }
        }
        return new Lookup(candidates);
    }

    /** Starts recording an entry of {@code key}, or null while another is being recorded. */
    public synchronized Recording record(Object key) {
        if (recording.get() != null) {
            return null;
        }
        Recording started = new Recording(Objects.requireNonNull(key));
        recording = new WeakReference<>(started);
        return started;
    }

    /** Results taken from an entry rather than computed. */
    public long hits() {
        return hits.get();
    }

    public synchronized int size() {
        return entries.size();
    }

    private synchronized void matched(Entry entry) {
        hits.incrementAndGet();
        if (entries.peekFirst() != entry && entries.remove(entry)) {
            entries.addFirst(entry);
        }
    }

    private synchronized void finished(Recording done, Entry entry) {
        if (recording.get() == done) {
            recording = new WeakReference<>(null);
        }
        if (entry == null || entry.contents().length == 0) {
            return;
        }
        entries.addFirst(entry);
        bytesHeld += entry.contents().length;
        while (entries.size() > maxEntries || bytesHeld > maxBytes) {
            bytesHeld -= entries.removeLast().contents().length;
        }
    }

    /** Compares contents, fed in order, with the entries of one key. */
    public final class Lookup {
        private final List<Entry> candidates;
        private long offered;
        private Entry found;

        private Lookup(List<Entry> candidates) {
            this.candidates = candidates;
            settle();
        }

        /**
         * Compares the next {@code length} bytes; false once no entry holds all the bytes offered so far (the lookup
         * is then spent). Bytes past the end of an entry whose contents all matched are not needed.
         */
        public boolean offer(byte[] bytes, int offset, int length) {
            if (found != null) {
                return true;
            }
            int from = (int) offered;
            candidates.removeIf(entry -> {
                int n = Math.min(length, entry.contents().length - from);
                return !Arrays.equals(entry.contents(), from, from + n, bytes, offset, offset + n);
            });
            offered += length;
            settle();
            return !candidates.isEmpty();
        }

        private void settle() {
            for (Entry entry : candidates) {
                if (entry.contents().length <= offered) {
                    found = entry;
                    matched(entry);
                    return;
                }
            }
        }

        /** The result of an entry all of whose bytes were offered and matched, else null. */
        public Object result() {
            return found == null ? null : found.result();
        }
    }

    /** The bytes a result is being computed from, kept to become an entry. */
    public final class Recording {
        private final Object key;
        private final List<byte[]> pieces = new ArrayList<>();
        private long length;
        private boolean done;

        private Recording(Object key) {
            this.key = key;
        }

        /** Keeps a copy of the next {@code length} bytes the result is computed from. */
        public void add(byte[] bytes, int offset, int length) {
            if (done || this.length + length > maxBytes) {
                abandon();
                return;
            }
            pieces.add(Arrays.copyOfRange(bytes, offset, offset + length));
            this.length += length;
        }

        /** Remembers {@code result} for the bytes added. */
        public void finish(Object result) {
            if (done) {
                return;
            }
            done = true;
            byte[] contents = new byte[(int) length];
            int at = 0;
            for (byte[] piece : pieces) {
                System.arraycopy(piece, 0, contents, at, piece.length);
                at += piece.length;
            }
            pieces.clear();
            finished(this, new Entry(key, contents, Objects.requireNonNull(result)));
        }

        /** Records nothing (the result is not one to keep, or the reading could not stand). */
        public void abandon() {
            if (!done) {
                done = true;
                pieces.clear();
                finished(this, null);
            }
        }
    }
}
