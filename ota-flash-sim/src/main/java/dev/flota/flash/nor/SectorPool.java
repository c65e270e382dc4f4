package dev.flota.flash.nor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Sector contents shared by every {@link CompactStorage} that holds the same 4 KiB: when 10,000 simulated devices
 * take the same update, each sector of it is stored once. Reference counted, so contents nobody holds are freed.
 * Thread-safe.
 */
public final class SectorPool {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private static final long MIX = 0x9E3779B97F4A7C15L;

    private static final class Key {
        final byte[] bytes;
        final int hash;

        /**
         * A multiply-xor hash in four independent lanes, so the CPU overlaps their multiplications: every sector a
         * fleet writes is hashed once, which made this loop a tenth of a fleet's CPU with a single lane.
         */
        Key(byte[] bytes) {
            this.bytes = bytes;
            long h0 = bytes.length;
            long h1 = 1;
            long h2 = 2;
            long h3 = 3;
            int i = 0;
            for (; i <= bytes.length - 4 * Long.BYTES; i += 4 * Long.BYTES) {
                h0 = (h0 ^ (long) LONGS.get(bytes, i)) * MIX;
                h1 = (h1 ^ (long) LONGS.get(bytes, i + Long.BYTES)) * MIX;
                h2 = (h2 ^ (long) LONGS.get(bytes, i + 2 * Long.BYTES)) * MIX;
                h3 = (h3 ^ (long) LONGS.get(bytes, i + 3 * Long.BYTES)) * MIX;
            }
            for (; i < bytes.length; i++) {
                h0 = (h0 ^ bytes[i]) * MIX;
            }
            long h = ((h0 * MIX ^ h1) * MIX ^ h2) * MIX ^ h3;
            h *= MIX;
            this.hash = (int) (h ^ (h >>> 32));
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Key key && key.hash == hash && Arrays.equals(key.bytes, bytes);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }

    /** One distinct content; nobody can take a reference once its count reached zero. */
    private static final class Entry {
        final Key key;
        final AtomicLong references = new AtomicLong(1);
        volatile int lastSector = -1;

        Entry(Key key) {
            this.key = key;
        }

        boolean retain() {
            for (long n = references.get(); n > 0; n = references.get()) {
                if (references.compareAndSet(n, n + 1)) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A shared array, by identity: how a device that holds it finds its entry again. */
    private record Held(byte[] bytes) {
        @Override
        public boolean equals(Object other) {
            return other instanceof Held held && held.bytes == bytes;
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(bytes);
        }
    }

    /*
     * No lock: every device of a fleet takes each sector it writes from here, from every event loop at once, and
     * threads queued on a single monitor (measured: 7.7 us a call against well under 1 us of work).
     */
    private final ConcurrentHashMap<Key, Entry> entries = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Held, Entry> byArray = new ConcurrentHashMap<>();
    /**
     * Per sector number, the contents last interned there: what the next device writing that sector likely writes. A
     * hint only, so an update lost while the array grows costs one comparison that fails, nothing else.
     */
    private volatile AtomicReferenceArray<Entry> lastAt = new AtomicReferenceArray<>(1024);
    private final ContentMemo contentMemo = new ContentMemo(8, 32 << 20);

    /**
     * Returns the shared copy of {@code content} (which the caller must no longer modify) and counts a reference;
     * remembered as the {@link #candidate} for sector number {@code sector} of a flash (unless -1).
     */
    public byte[] intern(byte[] content, int sector) {
        Key key = new Key(content);
        while (true) {
            Entry entry = entries.get(key);
            if (entry == null) {
                Entry fresh = new Entry(key);
                byArray.put(new Held(content), fresh);
                entry = entries.putIfAbsent(key, fresh);
                if (entry == null) {
                    remember(sector, fresh);
                    return content;
                }
                byArray.remove(new Held(content), fresh);
            }
            if (entry.retain()) {
                remember(sector, entry);
                return entry.key.bytes;
            }
            entries.remove(key, entry); // its last holder is removing it: make room for a fresh one
        }
    }

    /**
     * Writes only what changed: in a fleet every device interns the same entry for a sector, and a write each time
     * would move the map's and the entry's cache lines between the cores at every sector.
     */
    private void remember(int sector, Entry entry) {
        if (sector >= 0) {
            if (entry.lastSector != sector) {
                entry.lastSector = sector;
            }
            if (lastAt(sector) != entry) {
                grownTo(sector).set(sector, entry);
            }
        }
    }

    /**
     * The contents last interned for sector number {@code sector}, with a reference counted (to {@link #release}), or
     * null: a device writing the same image as the one before it compares its writes with this instead of copying
     * and hashing them.
     */
    public byte[] candidate(int sector) {
        Entry entry = lastAt(sector);
        if (entry == null) {
            return null;
        }
        if (!entry.retain()) {
            lastAt.compareAndSet(sector, entry, null);
            return null;
        }
        return entry.key.bytes;
    }

    private Entry lastAt(int sector) {
        AtomicReferenceArray<Entry> now = lastAt;
        return sector < now.length() ? now.get(sector) : null;
    }

    private AtomicReferenceArray<Entry> grownTo(int sector) {
        AtomicReferenceArray<Entry> now = lastAt;
        if (sector < now.length()) {
            return now;
        }
        synchronized (this) {
            now = lastAt;
            if (sector >= now.length()) {
                AtomicReferenceArray<Entry> grown = new AtomicReferenceArray<>(Math.max(sector + 1, now.length() * 2));
                for (int i = 0; i < now.length(); i++) {
                    grown.set(i, now.get(i));
                }
                lastAt = grown;
                now = grown;
            }
            return now;
        }
    }

    /** Counts one more reference to a shared array obtained from {@link #intern(byte[], int)}. */
    public void retain(byte[] shared) {
        if (!entryOf(shared).retain()) {
            throw new IllegalArgumentException("not a pooled sector");
        }
    }

    /** Drops one reference to a shared array obtained from {@link #intern(byte[], int)}. */
    public void release(byte[] shared) {
        Entry entry = entryOf(shared);
        long left = entry.references.decrementAndGet();
        if (left < 0) {
            throw new IllegalArgumentException("released more often than taken");
        }
        if (left == 0) {
            if (entry.lastSector >= 0 && entry.lastSector < lastAt.length()) {
                lastAt.compareAndSet(entry.lastSector, entry, null);
            }
            byArray.remove(new Held(shared), entry);
            entries.remove(entry.key, entry);
        }
    }

    private Entry entryOf(byte[] shared) {
        Entry entry = byArray.get(new Held(shared));
        if (entry == null) {
            throw new IllegalArgumentException("not a pooled sector");
        }
        return entry;
    }

    /**
     * The image checks the devices of this pool share: a device reading back an image another one verified compares
     * it rather than hashing it again. At most 8 images, 32 MiB.
     */
    public ContentMemo contentMemo() {
        return contentMemo;
    }

    /** Distinct sector contents held. */
    public int distinctSectors() {
        return entries.size();
    }

    /** Bytes of sector contents held (each distinct content once). */
    public long bytesHeld() {
        return entries.values().stream().mapToLong(e -> e.key.bytes.length).sum();
    }
}
