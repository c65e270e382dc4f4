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
     * ANDs {@code length} bytes of {@code from} into the contents at {@code address}: what programming does to NOR
     * cells, which can only go from 1 to 0. The default reads, ANDs and writes back; in-memory storages do it in place.
     */
    default void programAnd(long address, byte[] from, int offset, int length) {
        byte[] current = new byte[length];
        read(address, current, 0, length);
        ErasedBytes.and(current, 0, from, offset, length);
        write(address, current, 0, length);
    }

    /**
     * The index, counted from {@code offset}, of the first byte of {@code from} that needs a bit the contents at
     * {@code address} no longer have (a 1 over a 0), or -1 when all of it can be programmed without an erase.
     */
    default int firstOneOverZero(long address, byte[] from, int offset, int length) {
        byte[] current = new byte[length];
        read(address, current, 0, length);
        return ErasedBytes.firstOneOverZero(current, 0, from, offset, length);
    }

    /**
     * {@link #programAnd} where every byte can be programmed without an erase, then -1; else changes nothing and
     * returns {@link #firstOneOverZero}'s index. Strict programming in one pass where a storage can.
     */
    default int programIfProgrammable(long address, byte[] from, int offset, int length) {
        int bad = firstOneOverZero(address, from, offset, length);
        if (bad < 0) {
            programAnd(address, from, offset, length);
        }
        return bad;
    }

    /**
     * True when a call can wait on I/O (a file), false when it is only memory work. A reactive caller writes a
     * storage that never waits on the thread the data arrives on, and hands writes to one that may to a
     * blocking-capable thread.
     */
    default boolean mayBlock() {
        return true;
    }

    /**
     * A memo of results computed from flash contents that this storage shares with others (a fleet's, through its
     * {@link SectorPool}), or null.
     */
    default ContentMemo contentMemo() {
        return null;
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
