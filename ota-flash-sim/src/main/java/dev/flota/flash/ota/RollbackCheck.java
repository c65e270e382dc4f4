package dev.flota.flash.ota;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.PartitionImages;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.util.Optional;

/**
 * {@code esp_ota_check_rollback_is_possible}, which {@code esp_ota_mark_app_invalid_rollback_and_reboot} asks before
 * it invalidates the running app: is there another app the bootloader would boot? That is the slot of the other
 * otadata entry, else, without anti-rollback, the factory app. It reads images and eFuses, not otadata alone, so it
 * stands apart from the otadata bookkeeping of {@link OtaOperations}.
 */
final class RollbackCheck {

    private RollbackCheck() {
    }

    static boolean isPossible(Device device, PartitionTable table, OtaData data, int active) {
        OtaSelectEntry other = data.entry(1 - active);
        if (other.isValid()) {
            Optional<Partition> slot = table.otaApp(OtaOperations.slotOf(other, table.otaSlotCount()));
            if (slot.isPresent() && bootable(device, slot.get())) {
                return true;
            }
        }
        return !device.properties().antiRollback() && table.factory().filter(p -> bootable(device, p)).isPresent();
    }

    /** The bootloader's test: the image verifies and, with anti-rollback, is not below the eFuse secure version. */
    private static boolean bootable(Device device, Partition partition) {
        ImageVerification image = PartitionImages.verify(device.flashView(), partition,
                device.verifyOptions(ImageKind.APP, partition));
        return image.valid() && (!device.properties().antiRollback() || image.appDescription()
                .map(AppDescription::secureVersion).orElse(0L) >= device.properties().efuseSecureVersion());
    }
}
