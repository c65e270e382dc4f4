package dev.flota.flash.nvs;

import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An ESP-IDF NVS partition (format version 2) mounted on a {@link NorFlash} region, as {@code nvs_flash_init} mounts
 * it: half-written entries dropped, a duplicate left by a power cut resolved to the newer copy, an interrupted page
 * reclaim finished. Writes follow ESP-IDF's order (new entry, its state WRITTEN, then the old entry ERASED; pages
 * ACTIVE → FULL → FREEING → erased, one page always kept free), so a power cut at any flash operation leaves the
 * old value or the new one. A flash error leaves this object behind the flash: mount again after a power cycle.
 *
 * <p>{@link #read(byte[])} answers what a device would read from a partition image, without touching it.
 */
public final class NvsPartition {

    /** {@code NVS_READWRITE} (recovery written to flash) or {@code NVS_READONLY} (nothing written). */
    public enum Mode {
        READ_WRITE,
        READ_ONLY
    }

    /** {@code nvs_get_stats}: entries in use (live), free (everything else), available (free minus one page). */
    public record Stats(int usedEntries, int freeEntries, int availableEntries, int totalEntries,
            int namespaceCount) {
    }

    private final NvsStorage storage;

    private NvsPartition(NvsStorage storage) {
        this.storage = storage;
    }

    /** Mounts read/write the {@code size} bytes at {@code offset}; refuses what ESP-IDF refuses. */
    public static NvsPartition mount(NorFlash flash, long offset, long size) {
        return mount(flash, offset, size, Mode.READ_WRITE);
    }

    /** Mounts a partition-table entry, read-only when its {@code readonly} flag is set. */
    public static NvsPartition mount(NorFlash flash, Partition partition) {
        return mount(flash, partition.offset(), partition.size(),
                partition.readonly() ? Mode.READ_ONLY : Mode.READ_WRITE);
    }

    public static NvsPartition mount(NorFlash flash, long offset, long size, Mode mode) {
        return new NvsPartition(NvsStorage.mount(flash, offset, size, mode == Mode.READ_WRITE));
    }

    /** The values a device mounting this image read/write would read; the array is not changed. */
    public static NvsPartition read(byte[] image) {
        return read(image, Mode.READ_WRITE);
    }

    /**
     * As {@link #read(byte[])}; with {@link Mode#READ_WRITE} the recovery a device would write is applied to a copy,
     * and the result is read-only either way.
     */
    public static NvsPartition read(byte[] image, Mode mode) {
        if (image.length == 0 || image.length % NorFlash.SECTOR_SIZE != 0) {
            throw new NvsException(NvsException.Error.INVALID_SIZE, "an NVS partition is whole 4 KiB pages, got "
                    + image.length + " bytes");
        }
        NorFlash copy = NorFlash.inMemory(image.length);
        copy.program(0, image);
        NvsStorage storage = NvsStorage.mount(copy, 0, image.length, mode == Mode.READ_WRITE);
        return new NvsPartition(storage);
    }

    /** {@code nvs_open(name, NVS_READWRITE)}: the namespace, created now if absent. */
    public synchronized NvsNamespace open(String namespace) {
        return new NvsNamespace(this, namespace, storage.namespace(namespace, true));
    }

    /** {@code nvs_open(name, NVS_READONLY)}: the namespace if it exists. */
    public synchronized Optional<NvsNamespace> find(String namespace) {
        int index = storage.namespace(namespace, false);
        return index < 0 ? Optional.empty() : Optional.of(new NvsNamespace(this, namespace, index));
    }

    /** Namespace names and their indexes, in the order of their entries. */
    public synchronized Map<String, Integer> namespaces() {
        return storage.namespacesInOrder();
    }

    /** Every key {@code nvs_get_*} can read, in flash order, with its value. */
    public synchronized List<NvsEntry> entries() {
        return storage.entries();
    }

    public synchronized Stats stats() {
        return storage.stats();
    }

    synchronized NvsValue get(int ns, String key, NvsType type) {
        return storage.get(ns, key, type);
    }

    synchronized void set(int ns, String key, NvsValue value) {
        storage.set(ns, key, value);
    }

    synchronized boolean erase(int ns, String key) {
        return storage.erase(ns, key);
    }

    synchronized void eraseAll(int ns) {
        storage.eraseAll(ns);
    }
}
