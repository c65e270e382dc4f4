package dev.flota.ota;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;

/**
 * A limit on the image bytes that all the updates sharing it hold between the network and the flash, for fleets.
 *
 * <p>{@link HttpsOta#maxBufferedBytes(int)} bounds one update; with 10,000 updates in flight and the CPU busy, every
 * update's buffer fills, and that bound times the fleet size can exceed the heap. With a budget, a partial download
 * connects, and sends each ranged request, only once the budget holds that request's bytes, and gives them back as
 * they reach the flash. Updates that already started come first (first come, first served among them); an update not
 * yet started waits, unconnected and holding nothing, until the budget has room beyond them. So a fleet larger than
 * the budget is updated as a rolling wave: the server sees as many connections as the budget feeds, early updates
 * finish early, and memory stays flat. Like Reactor Netty's {@code ConnectionProvider}, one instance is shared:
 * <pre>{@code
 * BufferBudget budget = BufferBudget.of(32 << 20);
 * HttpsOta ota = HttpsOta.create().url(url).partialHttpDownload(true).bufferBudget(budget);
 * }</pre>
 * Thread-safe. A whole-image download (one GET) is bounded by {@code maxBufferedBytes} only.
 */
public final class BufferBudget {

    private final long capacity;
    private long available;
    private final ArrayDeque<Waiter> continuing = new ArrayDeque<>();
    private final ArrayDeque<Waiter> starting = new ArrayDeque<>();

    private BufferBudget(long capacity) {
        this.capacity = capacity;
        this.available = capacity;
    }

    /** A budget of {@code bytes}, at least 64 KiB. */
    public static BufferBudget of(long bytes) {
        if (bytes < 64 * 1024) {
            throw new IllegalArgumentException("a buffer budget needs at least 64 KiB, got " + bytes);
        }
        return new BufferBudget(bytes);
    }

    public long capacity() {
        return capacity;
    }

    /** Bytes reserved by updates right now. */
    public synchronized long reserved() {
        return capacity - available;
    }

    /** Updates waiting for the budget right now. */
    public synchronized int waiting() {
        return continuing.size() + starting.size();
    }

    /** What one update holds of the budget; released in full when the update ends. */
    Account account() {
        return new Account();
    }

    private void release(long bytes) {
        List<Waiter> granted;
        synchronized (this) {
            granted = releaseLocked(bytes);
        }
        succeed(granted);
    }

    /** Gives {@code bytes} back and grants the waiters they now cover, in order; null when none. */
    private List<Waiter> releaseLocked(long bytes) {
        List<Waiter> granted = null;
        available += bytes;
        ArrayDeque<Waiter> queue = continuing.isEmpty() ? starting : continuing;
        while (!queue.isEmpty() && queue.peek().bytes <= available) {
            Waiter next = queue.poll();
            available -= next.bytes;
            next.account.grant(next.bytes);
            if (granted == null) {
                granted = new ArrayList<>(2);
            }
            granted.add(next);
            queue = continuing.isEmpty() ? starting : continuing;
        }
        return granted;
    }

    private static void succeed(List<Waiter> granted) {
        if (granted != null) {
            granted.forEach(w -> w.sink.success());
        }
    }

    private record Waiter(long bytes, Account account, MonoSink<Void> sink) {
    }

    /** One update's share: it reserves before a request and releases as bytes reach the flash. */
    final class Account {
        private long held;
        private boolean started;
        private long consumedReleased;

        private void grant(long bytes) {
            held += bytes;
            started = true;
        }

        /**
         * Completes once {@code bytes} (at most the capacity) are reserved for this account. Cancelling a waiting
         * reservation takes it out of the queue; a granted one is already counted in {@link #held()}.
         */
        Mono<Void> reserve(long bytes) {
            long wanted = Math.min(bytes, capacity);
            return Mono.create(sink -> {
                Waiter waiter = new Waiter(wanted, this, sink);
                boolean now;
                synchronized (BufferBudget.this) {
                    ArrayDeque<Waiter> queue = started ? continuing : starting;
                    now = queue.isEmpty() && (started || continuing.isEmpty()) && available >= wanted;
                    if (now) {
                        available -= wanted;
                        grant(wanted);
                    } else {
                        queue.add(waiter);
                    }
                }
                if (now) {
                    sink.success();
                } else {
                    sink.onCancel(() -> {
                        synchronized (BufferBudget.this) {
                            continuing.remove(waiter);
                            starting.remove(waiter);
                        }
                        BufferBudget.this.release(0);
                    });
                }
            });
        }

        /** Gives back up to {@code bytes} of what this account holds. */
        void release(long bytes) {
            List<Waiter> granted = null;
            synchronized (BufferBudget.this) {
                long back = Math.min(bytes, held);
                held -= back;
                if (back > 0) {
                    granted = releaseLocked(back);
                }
            }
            succeed(granted);
        }

        void releaseAll() {
            release(Long.MAX_VALUE);
        }

        /**
         * The update has consumed {@code total} bytes of what it fetched (on flash, or a header the flash does not
         * take): gives back those consumed since the last call.
         */
        void consumed(long total) {
            long back;
            synchronized (this) {
                back = Math.max(0, total - consumedReleased);
                consumedReleased = Math.max(total, consumedReleased);
            }
            if (back > 0) {
                release(back);
            }
        }

        /** The update fetches the image again from byte 0: it gives everything back and counts afresh. */
        void restart() {
            synchronized (this) {
                consumedReleased = 0;
            }
            releaseAll();
        }

        long held() {
            synchronized (BufferBudget.this) {
                return held;
            }
        }
    }
}
