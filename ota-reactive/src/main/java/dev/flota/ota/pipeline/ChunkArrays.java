package dev.flota.ota.pipeline;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * Reused arrays for the chunks an update copies out of the network's buffers, so that a fleet of updates does not
 * allocate, and the GC collect, one byte for every byte fetched. A chunk of {@code n} bytes fills the end of a
 * {@link #SIZE}-byte array; the pipeline keeps the order of the bytes and views them only, so the view that reaches
 * the array's end is the last one of its chunk, and once the flash has taken it no other view of the array is left.
 * Only then does {@link #release} keep the array, for the thread's next chunk. An array never released (a chunk
 * dropped on an error or a cancellation, or written on another path) is simply collected.
 */
public final class ChunkArrays {

    /** The array size: the largest chunk an update slices the network's bytes into. */
    public static final int SIZE = 16 * 1024;

    /** Enough for the chunks the updates on one event loop have in flight between network and flash at once. */
    private static final int KEPT_PER_THREAD = 32;

    private static final ThreadLocal<ArrayDeque<byte[]>> FREE = ThreadLocal.withInitial(ArrayDeque::new);

    private ChunkArrays() {
    }

    /** An empty writable buffer of exactly {@code n} bytes, at the end of a reused array when {@code n <= SIZE}. */
    public static ByteBuffer take(int n) {
        if (n > SIZE) {
            return ByteBuffer.allocate(n);
        }
        byte[] array = FREE.get().pollFirst();
        return ByteBuffer.wrap(array != null ? array : new byte[SIZE], SIZE - n, n).slice();
    }

    /**
     * A view the flash has taken: when it ends a chunk from {@link #take}, the array is free again. Call only for the
     * views of chunks from {@link #take}, in their order, once nothing reads or writes them any more.
     */
    public static void release(ByteBuffer view) {
        if (view.hasArray() && view.array().length == SIZE && view.arrayOffset() + view.limit() == SIZE) {
            ArrayDeque<byte[]> free = FREE.get();
            if (free.size() < KEPT_PER_THREAD) {
                free.addFirst(view.array());
            }
        }
    }
}
