package dev.flota.flash.device;

import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;

/**
 * Reads and writes the otadata partition the way ESP-IDF does: an entry is written by erasing its whole 4 KiB sector
 * and programming its 32 bytes, so a power cut in between leaves that entry erased (or half erased), never the other.
 */
public final class OtadataFlash {

    private OtadataFlash() {
    }

    public static OtaData read(NorFlash flash, Partition otadata) {
        return OtaData.parse(flash.read(otadata.offset(), OtaData.SIZE));
    }

    /** Erases entry {@code index}'s sector and programs {@code entry} at its start. */
    public static void writeEntry(NorFlash flash, Partition otadata, int index, OtaSelectEntry entry) {
        long sector = otadata.offset() + (long) index * OtaData.SECTOR_SIZE;
        flash.eraseSector(sector);
        flash.program(sector, entry.encode());
    }

    /** Writes every entry of {@code after} that differs from {@code before}, entry 0 first. */
    public static void writeChanges(NorFlash flash, Partition otadata, OtaData before, OtaData after) {
        for (int i : before.changedEntries(after)) {
            writeEntry(flash, otadata, i, after.entry(i));
        }
    }

    /** Erases both sectors: back to "boot the factory app". */
    public static void erase(NorFlash flash, Partition otadata) {
        flash.eraseRange(otadata.offset(), OtaData.SIZE);
    }
}
