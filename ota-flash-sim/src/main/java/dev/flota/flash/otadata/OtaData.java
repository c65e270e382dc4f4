package dev.flota.flash.otadata;

import dev.flota.flash.partition.PartitionTable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.OptionalInt;

/**
 * The otadata partition (8 KiB): two {@link OtaSelectEntry}s, each at the start of its own 4 KiB sector, from which
 * the bootloader picks the OTA slot to boot and to which {@code esp_ota_set_boot_partition} and the rollback API
 * write. Immutable: every operation returns the otadata as it would be in flash afterwards.
 *
 * @param entry0 the entry in the first sector
 * @param entry1 the entry in the second sector
 */
public record OtaData(OtaSelectEntry entry0, OtaSelectEntry entry1) {

    /** Size of the otadata partition. */
    public static final int SIZE = 0x2000;
    /** Flash sector size; entry {@code i} is at {@code i * SECTOR_SIZE}. */
    public static final int SECTOR_SIZE = 0x1000;
    private static final long U32 = 0xFFFFFFFFL;

    public OtaData {
        Objects.requireNonNull(entry0);
        Objects.requireNonNull(entry1);
    }

    /** Erased otadata (all 0xFF), IDF's {@code ota_data_initial.bin}: boots factory, else ota_0. */
    public static OtaData blank() {
        return new OtaData(OtaSelectEntry.ERASED, OtaSelectEntry.ERASED);
    }

    /** Reads the two entries from the 8192-byte partition contents; bytes after each entry are ignored. */
    public static OtaData parse(byte[] partition) {
        if (partition.length != SIZE) {
            throw new OtaDataException("otadata must be " + SIZE + " bytes (two 4 KiB sectors), got "
                    + partition.length);
        }
        return new OtaData(OtaSelectEntry.parse(partition, 0), OtaSelectEntry.parse(partition, SECTOR_SIZE));
    }

    /**
     * Reads the two entries from the starts of the two sectors, at least {@link OtaSelectEntry#SIZE} bytes each: all a
     * reader needs, so a host reading otadata over a slow link reads 64 bytes, not the partition.
     */
    public static OtaData parseEntries(byte[] sector0, byte[] sector1) {
        return new OtaData(OtaSelectEntry.parse(sector0, 0), OtaSelectEntry.parse(sector1, 0));
    }

    /** The 8192 bytes as the writer leaves them: each entry at the start of its erased sector, the rest 0xFF. */
    public byte[] encode() {
        byte[] out = new byte[SIZE];
        Arrays.fill(out, (byte) 0xFF);
        System.arraycopy(entry0.encode(), 0, out, 0, OtaSelectEntry.SIZE);
        System.arraycopy(entry1.encode(), 0, out, SECTOR_SIZE, OtaSelectEntry.SIZE);
        return out;
    }

    public List<OtaSelectEntry> entries() {
        return List.of(entry0, entry1);
    }

    public OtaSelectEntry entry(int index) {
        return switch (index) {
            case 0 -> entry0;
            case 1 -> entry1;
            default -> throw new IndexOutOfBoundsException("otadata has entries 0 and 1, not " + index);
        };
    }

    public OtaData withEntry(int index, OtaSelectEntry entry) {
        return switch (index) {
            case 0 -> new OtaData(entry, entry1);
            case 1 -> new OtaData(entry0, entry);
            default -> throw new IndexOutOfBoundsException("otadata has entries 0 and 1, not " + index);
        };
    }

    /**
     * {@code bootloader_common_get_active_otadata}: the valid entry with the larger sequence number (tie: entry 0),
     * or -1 when neither entry is valid.
     */
    public int activeEntry() {
        boolean valid0 = entry0.isValid();
        boolean valid1 = entry1.isValid();
        if (valid0 && valid1) {
            return Long.compare(entry0.seq(), entry1.seq()) >= 0 ? 0 : 1;
        }
        return valid0 ? 0 : valid1 ? 1 : -1;
    }

    /**
     * The bootloader's choice ({@code bootloader_utility_get_selected_boot_partition}, no anti-rollback).
     *
     * @param otaSlotCount    OTA app partitions in the table ({@code bs->app_count})
     * @param hasFactory      whether the table has a factory app
     * @param rollbackEnabled {@code CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE}: PENDING_VERIFY becomes ABORTED first,
     *                        and a selected NEW entry becomes PENDING_VERIFY
     */
    public BootSelection select(int otaSlotCount, boolean hasFactory, boolean rollbackEnabled) {
        if (otaSlotCount < 0) {
            throw new IllegalArgumentException("negative slot count");
        }
        OtaData data = this;
        boolean rewritten = false;
        if (rollbackEnabled) {
            for (int i = 0; i < 2; i++) {
                if (data.entry(i).state() == OtaImgState.PENDING_VERIFY.raw()) {
                    data = data.withEntry(i, data.entry(i).withState(OtaImgState.ABORTED));
                    rewritten = true;
                }
            }
        }
        if (data.entry0.isInvalid() && data.entry1.isInvalid() || otaSlotCount == 0) {
            BootSelection.Source source = otaSlotCount == 0 ? BootSelection.Source.NO_OTA_SLOTS
                    : BootSelection.Source.BOTH_INVALID;
            if (hasFactory) {
                return new BootSelection(BootSelection.FACTORY, source, -1, data, rewritten, false);
            }
            boolean initial = isInitial(data.entry0) && isInitial(data.entry1);
            return new BootSelection(0, source, -1, data, rewritten, initial);
        }
        int active = data.activeEntry();
        if (active < 0) {
            return new BootSelection(BootSelection.FACTORY, BootSelection.Source.NO_VALID_ENTRY, -1, data, rewritten,
                    false);
        }
        OtaSelectEntry entry = data.entry(active);
        int slot = (int) (((entry.seq() - 1) & U32) % otaSlotCount);
        if (rollbackEnabled && entry.state() == OtaImgState.NEW.raw()) {
            data = data.withEntry(active, entry.withState(OtaImgState.PENDING_VERIFY));
            rewritten = true;
        }
        return new BootSelection(slot, BootSelection.Source.ACTIVE_ENTRY, active, data, rewritten, false);
    }

    /**
     * The bootloader's choice for this table: without an otadata partition the bootloader ignores otadata and starts
     * from the factory app; otherwise as {@link #select(int, boolean, boolean)} with the table's slot count.
     * {@link BootSelection#partition(PartitionTable)} resolves the partition.
     */
    public BootSelection select(PartitionTable table, boolean rollbackEnabled) {
        if (table.otadata().isEmpty()) {
            return new BootSelection(BootSelection.FACTORY, BootSelection.Source.NO_OTADATA_PARTITION, -1, this,
                    false, false);
        }
        return select(table.otaSlotCount(), table.factory().isPresent(), rollbackEnabled);
    }

    /**
     * {@code esp_ota_get_boot_partition}'s reading of otadata: the OTA slot the active entry names, or empty when both
     * entries are invalid or none is valid (the caller's default then boots: factory, else ota_0, else test).
     */
    public OptionalInt bootSlot(int slotCount) {
        if (slotCount <= 0) {
            throw new IllegalArgumentException("no OTA slots");
        }
        int active = activeEntry();
        if (entry0.isInvalid() && entry1.isInvalid() || active < 0) {
            return OptionalInt.empty();
        }
        return OptionalInt.of((int) (((entry(active).seq() - 1) & U32) % slotCount));
    }

    /**
     * What {@code esp_ota_set_boot_partition} leaves in otadata for OTA slot {@code slot} of {@code slotCount}: when the
     * active entry already selects that slot, that entry is rewritten in place with its sequence and the state NEW
     * (rollback enabled) or UNDEFINED; otherwise {@link #withBootSlot}. The one rule both the simulator and a real
     * chip's serial target apply; {@link #changedEntries} says which sectors to rewrite.
     *
     * @throws OtaDataException when the new sequence number would not fit 32 bits
     */
    public OtaData afterSetBoot(int slot, int slotCount, boolean rollbackEnabled) {
        if (slotCount <= 0 || slot < 0 || slot >= slotCount) {
            throw new IllegalArgumentException("slot " + slot + " is not one of " + slotCount + " OTA slots");
        }
        int active = activeEntry();
        if (active >= 0 && (int) (((entry(active).seq() - 1) & U32) % slotCount) == slot) {
            OtaSelectEntry entry = entry(active);
            OtaImgState state = rollbackEnabled ? OtaImgState.NEW : OtaImgState.UNDEFINED;
            return withEntry(active, entry.rewritten(entry.seq(), state));
        }
        return withBootSlot(slot, slotCount, rollbackEnabled);
    }

    /**
     * The entries of {@code after} that differ from this otadata, in the order ESP-IDF writes them (entry 0 first);
     * each is written by erasing its 4 KiB sector and programming its {@value OtaSelectEntry#SIZE} bytes.
     */
    public List<Integer> changedEntries(OtaData after) {
        List<Integer> changed = new ArrayList<>(2);
        for (int i = 0; i < 2; i++) {
            if (!entry(i).equals(after.entry(i))) {
                changed.add(i);
            }
        }
        return List.copyOf(changed);
    }

    /**
     * {@code esp_ota_set_boot_partition} for OTA slot {@code slot}: the new sequence is the smallest
     * {@code ((slot + 1) mod n) + i·n} not below the active entry's sequence (or {@code slot + 1} when neither entry
     * is valid, written to entry 0); the entry that is not active is rewritten with state NEW (rollback enabled) or
     * UNDEFINED, keeping its {@code seq_label}.
     *
     * @throws OtaDataException when the new sequence number would not fit 32 bits (the device would wrap)
     */
    public OtaData withBootSlot(int slot, int slotCount, boolean rollbackEnabled) {
        if (slotCount <= 0 || slot < 0 || slot >= slotCount) {
            throw new IllegalArgumentException("slot " + slot + " is not one of " + slotCount + " OTA slots");
        }
        int active = activeEntry();
        int next;
        long newSeq;
        if (active >= 0) {
            long seq = entry(active).seq();
            long base = (slot + 1) % slotCount;
            long steps = seq > base ? (seq - base + slotCount - 1) / slotCount : 0;
            newSeq = base + steps * slotCount;
            next = 1 - active;
        } else {
            newSeq = slot + 1;
            next = 0;
        }
        if (newSeq > U32) {
            throw new OtaDataException(String.format("new OTA sequence number 0x%x does not fit 32 bits", newSeq));
        }
        OtaImgState state = rollbackEnabled ? OtaImgState.NEW : OtaImgState.UNDEFINED;
        return withEntry(next, entry(next).rewritten(newSeq, state));
    }

    /** {@code esp_ota_mark_app_valid_cancel_rollback}: the active entry becomes VALID (unchanged if it is). */
    public OtaData markValid() {
        return markActive(OtaImgState.VALID);
    }

    /** {@code esp_ota_mark_app_invalid_rollback_and_reboot}: the active entry becomes INVALID. */
    public OtaData markInvalid() {
        return markActive(OtaImgState.INVALID);
    }

    /**
     * What the bootloader writes after booting OTA slot {@code slot} from initial otadata without a factory app
     * ({@link BootSelection#initialContents()}): entry 0 = sequence {@code slot + 1}, state VALID.
     */
    public OtaData withInitialSequence(int slot) {
        return withEntry(0, OtaSelectEntry.of(slot + 1L, OtaImgState.VALID));
    }

    private OtaData markActive(OtaImgState state) {
        int active = activeEntry();
        if (active < 0) {
            throw new IllegalStateException("no valid otadata entry: the running app is the factory app");
        }
        OtaSelectEntry entry = entry(active);
        if (entry.state() == state.raw() && state == OtaImgState.VALID) {
            return this;
        }
        return withEntry(active, entry.rewritten(entry.seq(), state));
    }

    private static boolean isInitial(OtaSelectEntry entry) {
        return entry.seq() == U32 || !entry.crcValid();
    }
}
