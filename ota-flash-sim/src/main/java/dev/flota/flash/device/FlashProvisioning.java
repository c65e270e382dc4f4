package dev.flota.flash.device;

import dev.flota.flash.encryption.FlashEncryptionException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;

/**
 * Lays out a fresh flash as {@code idf.py flash} would: the partition table at its offset, otadata erased (the
 * {@code ota_data_initial.bin} state), and optionally a factory (or first OTA slot) app.
 */
public final class FlashProvisioning {

    private FlashProvisioning() {
    }

    /**
     * Encrypts a plaintext device in place as the first boot of its bootloader does ({@code properties} must name
     * {@link DeviceProperties#flashEncryption()}, and {@code CRYPT_CNT} be even): the key (generated when none is
     * burned), the mode's eFuses, the regions ESP-IDF encrypts, then {@code CRYPT_CNT}. Unlike a boot it needs no app
     * that verifies (an app partition without a valid image stays raw) and does not boot.
     *
     * @return the properties with the eFuses burned
     * @throws FlashEncryptionException when the pass fails as the bootloader's would (no valid plaintext table, a
     *                                  bootloader in flash that does not verify, a write-protected counter)
     */
    public static DeviceProperties encryptAsFirstBoot(NorFlash flash, DeviceProperties properties) {
        if (properties.flashEncryption().isEmpty()) {
            throw new IllegalArgumentException("the properties do not configure flash encryption");
        }
        if (properties.flashEncryptionEnabled()) {
            throw new IllegalArgumentException("flash encryption is already on (CRYPT_CNT odd)");
        }
        Device device = Device.of(flash, properties);
        FirstBootFlashEncryption.Result result = FirstBootFlashEncryption.pass(device,
                FirstBootFlashEncryption.contents(device, Partition.of("app", Partition.TYPE_APP, 0, 0,
                        flash.size())));
        if (result.outcome() != FirstBootFlashEncryption.Outcome.ENCRYPTED) {
            throw new FlashEncryptionException(dev.flota.flash.EspError.ESP_FAIL, result.message());
        }
        return device.properties();
    }

    /**
     * Writes {@code table} (with its MD5 entry) at {@code tableOffset}, erases otadata, and writes {@code factoryApp}
     * (may be null) into the factory partition, or into ota_0 when the table has no factory app.
     */
    public static void provision(NorFlash flash, PartitionTable table, long tableOffset, byte[] factoryApp) {
        if (tableOffset % NorFlash.SECTOR_SIZE != 0 || tableOffset + NorFlash.SECTOR_SIZE > flash.size()) {
            throw new IllegalArgumentException(String.format("partition table offset 0x%x does not fit the flash",
                    tableOffset));
        }
        for (Partition p : table.partitions()) {
            if (p.offset() + p.size() > flash.size()) {
                throw new IllegalArgumentException(String.format("partition '%s' (0x%x + 0x%x) does not fit %d "
                        + "bytes of flash", p.label(), p.offset(), p.size(), flash.size()));
            }
        }
        flash.eraseSector(tableOffset);
        flash.program(tableOffset, table.encode(table.md5Present()));
        table.otadata().ifPresent(p -> OtadataFlash.erase(flash, p));
        if (factoryApp != null) {
            Partition target = table.factory().or(() -> table.otaApp(0)).orElseThrow(() ->
                    new IllegalArgumentException("the table has neither a factory app nor ota_0 for the app"));
            if (factoryApp.length > target.size()) {
                throw new IllegalArgumentException("the app (" + factoryApp.length + " bytes) does not fit '"
                        + target.label() + "' (" + target.size() + " bytes)");
            }
            flash.eraseRange(target.offset(), (factoryApp.length + NorFlash.SECTOR_SIZE - 1L)
                    / NorFlash.SECTOR_SIZE * NorFlash.SECTOR_SIZE);
            flash.program(target.offset(), factoryApp);
        }
    }
}
