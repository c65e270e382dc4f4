package dev.flota.ota.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * File contents kept in off-heap memory for TLS responses, where zero-copy {@code sendFile} is impossible: a range is
 * then a view of that memory written as one buffer (TLS records of 16 KiB, one flush), which OpenSSL encrypts in
 * place, instead of being read from disk, or copied from the heap, for every request. Firmware images are few and
 * small next to the fleets that fetch them. Entries are keyed by path, size and modification time, so a replaced file
 * is read again (its old memory is freed by the garbage collector once no response uses it); files over
 * {@link #MAX_FILE} or beyond {@link #MAX_TOTAL} are not cached. Reads happen on {@code boundedElastic}, never on an
 * event loop.
 */
final class FileCache {

    static final long MAX_FILE = 64L << 20;
    static final long MAX_TOTAL = 256L << 20;

    /** {@code content} is unreleasable: the views handed out need no reference counting. */
    private record Entry(long size, long modified, ByteBuf content) {
    }

    private final Map<Path, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    /** A view of {@code count} bytes from {@code start} when the file is cached as it is now; null otherwise. */
    ByteBuf cached(Path file, long size, long modifiedMillis, long start, long count) {
        Entry entry = entries.get(file);
        if (entry == null || entry.size() != size || entry.modified() != modifiedMillis) {
            return null;
        }
        return entry.content().slice((int) start, (int) count);
    }

    /**
     * A view of {@code count} bytes from {@code start}, reading the file first when it is not cached; empty when it may
     * not be cached or changed while read (serve it another way).
     */
    Mono<ByteBuf> range(Path file, long size, long modifiedMillis, long start, long count) {
        ByteBuf hit = cached(file, size, modifiedMillis, start, count);
        if (hit != null) {
            return Mono.just(hit);
        }
        if (size > MAX_FILE || total.get() + size > MAX_TOTAL) {
            return Mono.empty();
        }
        return Mono.fromCallable(() -> {
            ByteBuf content = read(file, size);
            if (content == null) {
                return null;
            }
            Entry previous = entries.put(file, new Entry(size, modifiedMillis, content));
            total.addAndGet(size - (previous == null ? 0 : previous.size()));
            return content.slice((int) start, (int) count);
        }).subscribeOn(Schedulers.boundedElastic());
    }

    /** The whole file in direct memory, or null when it is no longer {@code size} bytes long. */
    private static ByteBuf read(Path file, long size) throws IOException {
        ByteBuffer memory = ByteBuffer.allocateDirect((int) size);
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            while (memory.hasRemaining()) {
                if (channel.read(memory) < 0) {
                    return null;
                }
            }
            if (channel.size() != size) {
                return null;
            }
        }
        memory.flip();
        return Unpooled.unreleasableBuffer(Unpooled.wrappedBuffer(memory));
    }
}
