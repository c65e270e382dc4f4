package dev.flota.ota.encrypted;

import java.security.GeneralSecurityException;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import javax.crypto.Cipher;
import reactor.core.scheduler.Scheduler;
import reactor.core.scheduler.Schedulers;

/**
 * Runs a {@link GcmStreamDecryptor}'s tag pass on a thread of its own, so the event loop that decrypts only copies the
 * plaintext into a batch. Batches come from a small pool shared by the JVM; where none is free, the caller feeds the
 * tag cipher itself, after the batches already handed over. One lock orders every feed, so the tag input stays the
 * plaintext in stream order whoever runs it. A stream abandoned before its end gives its batch back with
 * {@link #release()}, from any thread; what it had handed over is still fed (and wasted) by the lane.
 */
final class TagLane {

    static final int BATCH = 64 * 1024;
    private static final int POOL = 4;
    private static final Queue<byte[]> FREE = new ConcurrentLinkedQueue<>();
    private static final Scheduler LANE = Schedulers.newSingle("flota-gcm-tag", true);

    static {
        for (int i = 0; i < POOL; i++) {
            FREE.add(new byte[BATCH]);
        }
    }

    private record Batch(byte[] bytes, int length) {
    }

    private final Cipher tagCipher;
    private final Queue<Batch> handedOver = new ConcurrentLinkedQueue<>();
    private final Object fillLock = new Object();
    private byte[] filling;
    private int fill;
    private boolean released;

    TagLane(Cipher tagCipher) {
        this.tagCipher = tagCipher;
    }

    /** Adds plaintext to the tag input, in stream order. */
    void add(byte[] plain, int offset, int length) throws GeneralSecurityException {
        synchronized (fillLock) {
            if (!released) {
                fill(plain, offset, length);
            }
        }
    }

    private void fill(byte[] plain, int offset, int length) throws GeneralSecurityException {
        while (length > 0) {
            if (filling == null) {
                filling = FREE.poll();
                if (filling == null) {
                    synchronized (this) {
                        drain();
                        GcmStreamDecryptor.feedTag(tagCipher, plain, offset, length);
                    }
                    return;
                }
                fill = 0;
            }
            int n = Math.min(length, BATCH - fill);
            System.arraycopy(plain, offset, filling, fill, n);
            fill += n;
            offset += n;
            length -= n;
            if (fill == BATCH) {
                handOver();
            }
        }
    }

    /** Feeds everything added so far to the tag cipher, on the caller's thread where the lane has not yet. */
    void complete() throws GeneralSecurityException {
        synchronized (fillLock) {
            if (filling != null) {
                handedOver.add(new Batch(filling, fill));
                filling = null;
            }
        }
        synchronized (this) {
            drain();
        }
    }

    /** Gives the batch being filled back to the pool; later additions are ignored. */
    void release() {
        synchronized (fillLock) {
            released = true;
            if (filling != null) {
                FREE.add(filling);
                filling = null;
            }
        }
    }

    /** Batches in the pool now, for tests. */
    static int freeBatches() {
        return FREE.size();
    }

    private void handOver() {
        handedOver.add(new Batch(filling, fill));
        filling = null;
        LANE.schedule(() -> {
            synchronized (this) {
                try {
                    drain();
                } catch (GeneralSecurityException e) {
                    throw new IllegalStateException("AES-GCM failed on a valid key", e);
                }
            }
        });
    }

    private void drain() throws GeneralSecurityException {
        for (Batch batch = handedOver.poll(); batch != null; batch = handedOver.poll()) {
            try {
                GcmStreamDecryptor.feedTag(tagCipher, batch.bytes(), 0, batch.length());
            } finally {
                FREE.add(batch.bytes());
            }
        }
    }
}
