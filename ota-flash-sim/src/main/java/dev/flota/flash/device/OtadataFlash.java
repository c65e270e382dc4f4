package dev.flota.flash.device;

import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;

/**
 * Reads and writes the otadata partition the way ESP-IDF does: an entry is written by erasing its whole 4 KiB sector
 * and programming its 32 bytes, so a power cut in between leaves that entry erased (or half erased), never the other.
 * Through a {@link FlashView} with flash encryption on, entries are read decrypted and written encrypted (an erased
 * sector then reads as garbage, an invalid entry); erasing stays raw.
 */
public final class OtadataFlash {

    private OtadataFlash() {
    }

    public static OtaData read(NorFlash flash, Partition otadata) {
        return read(FlashView.raw(flash), otadata);
    }

    /** Reads the two entries, 32 bytes at the start of each sector: all the selection needs. */
    public static OtaData read(FlashView flash, Partition otadata) {
        return OtaData.parseEntries(flash.read(otadata, otadata.offset(), OtaSelectEntry.SIZE),
                flash.read(otadata, otadata.offset() + OtaData.SECTOR_SIZE, OtaSelectEntry.SIZE));
    }

    /** Erases entry {@code index}'s sector and programs {@code entry} at its start. */
    public static void writeEntry(NorFlash flash, Partition otadata, int index, OtaSelectEntry entry) {
        writeEntry(FlashView.raw(flash), otadata, index, entry);
    }

    /** Erases entry {@code index}'s sector and writes {@code entry} at its start (encrypted when the view encrypts). */
    public static void writeEntry(FlashView flash, Partition otadata, int index, OtaSelectEntry entry) {
        long sector = otadata.offset() + (long) index * OtaData.SECTOR_SIZE;
        flash.raw().eraseSector(sector);
        flash.write(otadata, sector, entry.encode());
    }

    /** Writes every entry of {@code after} that differs from {@code before}, entry 0 first. */
    public static void writeChanges(NorFlash flash, Partition otadata, OtaData before, OtaData after) {
        writeChanges(FlashView.raw(flash), otadata, before, after);
    }

    public static void writeChanges(FlashView flash, Partition otadata, OtaData before, OtaData after) {
        for (int i : before.changedEntries(after)) {
            writeEntry(flash, otadata, i, after.entry(i));
        }
    }

    /** Erases both sectors (raw): back to "boot the factory app". */
    public static void erase(NorFlash flash, Partition otadata) {
        flash.eraseRange(otadata.offset(), OtaData.SIZE);
    }
}
