package dev.flota.flash.nor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

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

    private static final class Entry {
        final Key key;
        long references;

        Entry(Key key) {
            this.key = key;
        }
    }

    private final Map<Key, Entry> entries = new HashMap<>();
    private final Map<byte[], Entry> byArray = new java.util.IdentityHashMap<>();

    /** Returns the shared copy of {@code content} (which the caller must no longer modify) and counts a reference. */
    public synchronized byte[] intern(byte[] content) {
        Entry entry = entries.computeIfAbsent(new Key(content), k -> {
            Entry fresh = new Entry(k);
            byArray.put(content, fresh);
            return fresh;
        });
        entry.references++;
        return entry.key.bytes;
    }

    /** Counts one more reference to a shared array obtained from {@link #intern(byte[])}. */
    public synchronized void retain(byte[] shared) {
        Entry entry = byArray.get(shared);
        if (entry == null) {
            throw new IllegalArgumentException("not a pooled sector");
        }
        entry.references++;
    }

    /** Drops one reference to a shared array obtained from {@link #intern(byte[])}. */
    public synchronized void release(byte[] shared) {
        Entry entry = byArray.get(shared);
        if (entry == null) {
            throw new IllegalArgumentException("not a pooled sector");
        }
        if (--entry.references == 0) {
            byArray.remove(shared);
            entries.remove(entry.key);
        }
    }

    /** Distinct sector contents held. */
    public synchronized int distinctSectors() {
        return entries.size();
    }

    /** Bytes of sector contents held (each distinct content once). */
    public synchronized long bytesHeld() {
        return entries.values().stream().mapToLong(e -> e.key.bytes.length).sum();
    }
}
