package dev.flota.flash.encryption;

import dev.flota.flash.EspError;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * The bootloader's first-boot encryption of a plaintext device (spec §1.5 first-boot rule, §1.6): the second-stage
 * bootloader (its image, signature sector included, in whole sectors), the partition table sector, then each partition
 * in table order: {@code app} and {@code bootloader} partitions that hold a valid image (an empty slot stays raw
 * 0xFF), non-primary {@code partition_table} partitions that hold a table, {@code data/ota}, {@code data/tee_ota} and
 * {@code data/nvs_keys} always, and everything else only with the {@code encrypted} flag. Erased sectors inside a
 * region become ciphertext of 0xFF.
 *
 * <p>{@link #plan} decides from the plaintext; {@link #run} transforms the flash sector by sector (read, erase, write
 * encrypted), so a power cut leaves the device half encrypted, as on a real chip.
 */
public final class FirstBootEncryption {

    private static final int SUBTYPE_DATA_NVS_KEYS = 0x04;

    /**
     * The Kconfig choices that change what is encrypted.
     *
     * @param onlyImageLengthInAppPartitions {@code CONFIG_SECURE_FLASH_ENCRYPT_ONLY_IMAGE_LEN_IN_APP_PART}: an app
     *                                       partition is encrypted up to its image, not whole (default since v5.3)
     * @param signedAppsWithoutSecureBoot    {@code CONFIG_SECURE_SIGNED_ON_UPDATE_NO_SECURE_BOOT}: one more sector,
     *                                       the signature, after such an app image
     */
    public record Options(boolean onlyImageLengthInAppPartitions, boolean signedAppsWithoutSecureBoot) {

        /** ESP-IDF v5.3 and later defaults. */
        public static Options defaults() {
            return new Options(true, false);
        }

        /** ESP-IDF v5.2 and earlier: whole app partitions. */
        public static Options wholeAppPartitions() {
            return new Options(false, false);
        }
    }

    private FirstBootEncryption() {
    }

    /**
     * The pass over a device whose bootloader is at {@code bootloaderOffset} and primary table at
     * {@code partitionTableOffset}, deciding each region from {@code contents} (the plaintext flash).
     */
    public static FirstBootPlan plan(FlashContents contents, long bootloaderOffset, long partitionTableOffset,
            Options options) {
        List<EncryptedRegion> regions = new ArrayList<>();
        OptionalLong bootloader = contents.imageLength(bootloaderOffset, partitionTableOffset - bootloaderOffset,
                ImageKind.BOOTLOADER);
        if (bootloader.isEmpty()) {
            return new FirstBootPlan(regions, Optional.of(new FirstBootPlan.Failure(EspError.ESP_ERR_NOT_FOUND,
                    "no valid bootloader was found")));
        }
        regions.add(new EncryptedRegion(EncryptedRegion.BOOTLOADER, bootloaderOffset, sectors(bootloader.getAsLong())));
        Optional<PartitionTable> table = contents.partitionTable(partitionTableOffset);
        if (table.isEmpty()) {
            return new FirstBootPlan(regions, Optional.of(new FirstBootPlan.Failure(EspError.ESP_ERR_INVALID_STATE,
                    "Failed to read partition table data - not plaintext?")));
        }
        regions.add(new EncryptedRegion(EncryptedRegion.PARTITION_TABLE, partitionTableOffset,
                PartitionTable.SECTOR_SIZE));
        for (Partition p : table.get().partitions()) {
            if (p.offset() == bootloaderOffset || p.offset() == partitionTableOffset) {
                continue;
            }
            long length = length(p, contents, options);
            if (length > 0) {
                regions.add(new EncryptedRegion(p.label(), p.offset(), length));
            }
        }
        return new FirstBootPlan(regions, Optional.empty());
    }

    /** {@link #plan} with the ESP-IDF defaults: the chip's layout is given by the two offsets. */
    public static FirstBootPlan plan(FlashContents contents, long bootloaderOffset, long partitionTableOffset) {
        return plan(contents, bootloaderOffset, partitionTableOffset, Options.defaults());
    }

    /**
     * Encrypts the plan's regions in order, then throws the plan's failure if it has one. A power cut surfaces as the
     * flash's {@code FlashException}, with the regions before it encrypted and the rest not.
     */
    public static void run(EncryptedFlash flash, FirstBootPlan plan) {
        for (EncryptedRegion region : plan.regions()) {
            flash.encryptInPlace(region.offset(), region.length());
        }
        if (plan.failure().isPresent()) {
            throw plan.failure().get().toException();
        }
    }

    private static long length(Partition p, FlashContents contents, Options options) {
        int type = p.type();
        if (type == Partition.TYPE_APP) {
            OptionalLong image = contents.imageLength(p.offset(), p.size(), ImageKind.APP);
            if (image.isEmpty()) {
                return 0;
            }
            if (!options.onlyImageLengthInAppPartitions()) {
                return p.size();
            }
            long length = image.getAsLong() + (options.signedAppsWithoutSecureBoot() ? NorFlash.SECTOR_SIZE : 0);
            return sectors(length);
        }
        if (type == Partition.TYPE_BOOTLOADER) {
            return contents.imageLength(p.offset(), p.size(), ImageKind.BOOTLOADER).isPresent() ? p.size() : 0;
        }
        if (type == Partition.TYPE_PARTITION_TABLE) {
            return contents.partitionTable(p.offset()).filter(t -> !t.partitions().isEmpty()).isPresent()
                    ? p.size() : 0;
        }
        boolean always = type == Partition.TYPE_DATA && (p.subtype() == Partition.SUBTYPE_DATA_OTA
                || p.subtype() == Partition.SUBTYPE_DATA_TEE_OTA || p.subtype() == SUBTYPE_DATA_NVS_KEYS);
        return always || p.encrypted() ? p.size() : 0;
    }

    private static long sectors(long length) {
        return (length + NorFlash.SECTOR_SIZE - 1) / NorFlash.SECTOR_SIZE * NorFlash.SECTOR_SIZE;
    }
}
