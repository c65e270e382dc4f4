package dev.flota.flash.nor;

import java.io.Closeable;

/**
 * Where a simulated chip keeps its bits: raw reads and writes with no NOR semantics (those are {@link NorFlash}'s
 * job). Implementations: {@link #inMemory(long)}, {@link #file(java.nio.file.Path, long)} (an {@code esptool
 * read_flash} style dump), and {@link CompactStorage} for fleets of simulated devices in one JVM.
 */
public interface FlashStorage extends Closeable {

    long size();

    void read(long address, byte[] into, int offset, int length);

    void write(long address, byte[] from, int offset, int length);

    /** Sets {@code length} bytes from {@code address} to 0xFF, as an erase does. */
    void erase(long address, int length);

    /**
     * True when a call can wait on I/O (a file), false when it is only memory work. A reactive caller writes a
     * storage that never waits on the thread the data arrives on, and hands writes to one that may to a
     * blocking-capable thread.
     */
    default boolean mayBlock() {
        return true;
    }

    /** Makes writes durable (a no-op in memory). */
    default void flush() {
    }

    @Override
    default void close() {
    }

    static FlashStorage inMemory(long size) {
        return new MemoryStorage(size);
    }

    /** A raw flash image file of {@code size} bytes, created erased (0xFF) when it does not exist. */
    static FlashStorage file(java.nio.file.Path path, long size) {
        return FileStorage.open(path, size);
    }
}
