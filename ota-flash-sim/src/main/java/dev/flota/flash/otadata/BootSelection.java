package dev.flota.flash.otadata;

import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.util.Objects;
import java.util.Optional;

/**
 * What the bootloader decided from otadata: the start index (an OTA slot or {@link #FACTORY}), why, and the otadata
 * as the bootloader leaves it (rollback rewrites), so a simulator can persist it.
 *
 * @param slot              the OTA slot to try first, or {@link #FACTORY} (-1)
 * @param source            which rule decided
 * @param activeEntry       the otadata entry that decided (0 or 1), or -1
 * @param otadata           the otadata after the bootloader's own rewrites
 * @param otadataRewritten  whether {@code otadata} differs from what was read
 * @param initialContents   no factory app and both entries erased or with a bad CRC: after booting OTA slot s the
 *                          bootloader writes {@link OtaData#withInitialSequence(int)}
 */
public record BootSelection(int slot, Source source, int activeEntry, OtaData otadata, boolean otadataRewritten,
        boolean initialContents) {

    /** The bootloader's {@code FACTORY_INDEX}. */
    public static final int FACTORY = -1;
    private static final int MAX_OTA_SLOTS = 16;

    /** The rule that chose the start index. */
    public enum Source {
        /** The table has no otadata partition. */
        NO_OTADATA_PARTITION,
        /** The table has no OTA app partitions. */
        NO_OTA_SLOTS,
        /** Both entries erased, INVALID or ABORTED. */
        BOTH_INVALID,
        /** Neither entry is valid (a bad CRC), but not both invalid. */
        NO_VALID_ENTRY,
        /** Slot = (seq − 1) mod slot count of the active entry. */
        ACTIVE_ENTRY
    }

    public BootSelection {
        Objects.requireNonNull(source);
        Objects.requireNonNull(otadata);
        if (slot < FACTORY) {
            throw new IllegalArgumentException("slot " + slot);
        }
    }

    public boolean factory() {
        return slot == FACTORY;
    }

    /**
     * The partition the bootloader boots, assuming every app present verifies: the start index, then lower OTA
     * slots down to the factory app, then higher slots, then the test app ({@code bootloader_utility_load_boot_image}).
     * Empty when the table has none of these.
     */
    public Optional<Partition> partition(PartitionTable table) {
        for (int index = slot; index >= FACTORY; index--) {
            Optional<Partition> found = index == FACTORY ? table.factory() : ota(table, index);
            if (found.isPresent()) {
                return found;
            }
        }
        for (int index = slot + 1; index < table.otaSlotCount(); index++) {
            Optional<Partition> found = ota(table, index);
            if (found.isPresent()) {
                return found;
            }
        }
        return table.test();
    }

    private static Optional<Partition> ota(PartitionTable table, int index) {
        return index < MAX_OTA_SLOTS ? table.otaApp(index) : Optional.empty();
    }
}
