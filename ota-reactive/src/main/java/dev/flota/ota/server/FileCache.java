package dev.flota.ota.server;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * File contents kept in memory for TLS responses, where zero-copy {@code sendFile} is impossible: a range is then
 * written as one buffer (TLS records of 16 KiB, one flush) instead of being read from disk in small chunks for every
 * request. Firmware images are few and small next to the fleets that fetch them. Entries are keyed by path, size and
 * modification time, so a replaced file is read again; files over {@link #MAX_FILE} or beyond {@link #MAX_TOTAL} are
 * not cached. Reads happen on {@code boundedElastic}, never on an event loop.
 */
final class FileCache {

    static final long MAX_FILE = 64L << 20;
    static final long MAX_TOTAL = 256L << 20;

    private record Entry(long size, long modified, byte[] bytes) {
    }

    private final Map<Path, Entry> entries = new ConcurrentHashMap<>();
    private final AtomicLong total = new AtomicLong();

    /** The whole file, when it may be cached; empty otherwise (serve it another way). */
    Mono<byte[]> contents(Path file, long size, long modifiedMillis) {
        Entry entry = entries.get(file);
        if (entry != null && entry.size() == size && entry.modified() == modifiedMillis) {
            return Mono.just(entry.bytes());
        }
        if (size > MAX_FILE || total.get() + size > MAX_TOTAL) {
            return Mono.empty();
        }
        return Mono.fromCallable(() -> {
            byte[] bytes = Files.readAllBytes(file);
            if (bytes.length != size) {
                return bytes;
            }
            Entry previous = entries.put(file, new Entry(size, modifiedMillis, bytes));
            total.addAndGet(size - (previous == null ? 0 : previous.size()));
            return bytes;
        }).subscribeOn(Schedulers.boundedElastic());
    }
}
