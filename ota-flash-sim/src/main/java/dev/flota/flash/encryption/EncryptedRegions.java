package dev.flota.flash.encryption;

import dev.flota.flash.image.Chip;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Where a device with flash encryption on keeps ciphertext and reads through decryption (spec §1.5, runtime rule of
 * {@code is_partition_encrypted}): the second-stage bootloader (from its offset up to the table), the partition table
 * sector, every {@code app}, {@code bootloader} and {@code partition_table} partition, {@code data/ota},
 * {@code data/tee_ota}, {@code data/nvs_keys}, and every partition flagged {@code encrypted}, in table order.
 * Everything else, {@code nvs} without the flag among it, stays plaintext. Only meaningful while {@code CRYPT_CNT}
 * is odd: with flash encryption off nothing is encrypted, whatever the flags.
 *
 * <p>Not modelled: {@code CONFIG_NVS_COMPATIBLE_PRE_V4_3_ENCRYPTION_FLAG}, which ignores the flag on {@code nvs}.
 */
public record EncryptedRegions(List<EncryptedRegion> regions) {

    private static final int SUBTYPE_DATA_NVS_KEYS = 0x04;

    public EncryptedRegions {
        regions = List.copyOf(regions);
    }

    /** The layout of {@code table} on {@code chip}, with the table at its default offset 0x8000. */
    public static EncryptedRegions of(Chip chip, PartitionTable table) {
        return of(table, chip.bootloaderOffset(), PartitionTable.DEFAULT_OFFSET);
    }

    /**
     * The layout of {@code table} with the bootloader at {@code bootloaderOffset} and the table at
     * {@code partitionTableOffset} ({@code CONFIG_PARTITION_TABLE_OFFSET}). Table entries for the primary
     * bootloader or table themselves are covered by the first two regions and not repeated.
     */
    public static EncryptedRegions of(PartitionTable table, long bootloaderOffset, long partitionTableOffset) {
        if (bootloaderOffset > partitionTableOffset) {
            throw new IllegalArgumentException(String.format("the bootloader at 0x%x lies after the table at 0x%x",
                    bootloaderOffset, partitionTableOffset));
        }
        List<EncryptedRegion> regions = new ArrayList<>();
        regions.add(new EncryptedRegion(EncryptedRegion.BOOTLOADER, bootloaderOffset,
                partitionTableOffset - bootloaderOffset));
        regions.add(new EncryptedRegion(EncryptedRegion.PARTITION_TABLE, partitionTableOffset,
                PartitionTable.SECTOR_SIZE));
        for (Partition p : table.partitions()) {
            if (isEncrypted(p) && p.offset() != bootloaderOffset && p.offset() != partitionTableOffset) {
                regions.add(new EncryptedRegion(p.label(), p.offset(), p.size()));
            }
        }
        return new EncryptedRegions(regions);
    }

    /** {@code esp_partition_t.encrypted} on a device with flash encryption on ({@code is_partition_encrypted}). */
    public static boolean isEncrypted(Partition partition) {
        int type = partition.type();
        int subtype = partition.subtype();
        return partition.encrypted() || type == Partition.TYPE_APP || type == Partition.TYPE_BOOTLOADER
                || type == Partition.TYPE_PARTITION_TABLE
                || type == Partition.TYPE_DATA && (subtype == Partition.SUBTYPE_DATA_OTA
                        || subtype == Partition.SUBTYPE_DATA_TEE_OTA || subtype == SUBTYPE_DATA_NVS_KEYS);
    }

    /** The region holding {@code address}. */
    public Optional<EncryptedRegion> regionAt(long address) {
        return regions.stream().filter(r -> r.contains(address)).findFirst();
    }

    public boolean isEncrypted(long address) {
        return regionAt(address).isPresent();
    }

    /** The region of the partition labelled {@code label}, if it is encrypted. */
    public Optional<EncryptedRegion> region(String label) {
        return regions.stream().filter(r -> r.name().equals(label)).findFirst();
    }

    /** Whether any byte of {@code [address, address + length)} is encrypted. */
    public boolean overlaps(long address, long length) {
        return regions.stream().anyMatch(r -> r.overlaps(address, length));
    }
}
