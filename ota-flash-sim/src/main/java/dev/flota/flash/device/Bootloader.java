package dev.flota.flash.device;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.otadata.BootSelection;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaImgState;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * ESP-IDF's second-stage bootloader ({@code bootloader_utility_get_selected_boot_partition} and
 * {@code bootloader_utility_load_boot_image}): pick the slot from otadata (rollback: PENDING_VERIFY becomes ABORTED,
 * a selected NEW becomes PENDING_VERIFY; anti-rollback: slots below the eFuse secure version are not selectable),
 * then try it, lower slots down to the factory app, higher slots, and the test app, booting the first that verifies.
 */
final class Bootloader {

    private Bootloader() {
    }

    static BootResult boot(Device device) {
        PartitionTable table = device.partitionTable();
        DeviceProperties properties = device.properties();
        List<String> changes = new ArrayList<>();
        List<String> skipped = new ArrayList<>();
        Optional<Partition> otadataPartition = table.otadata();
        BootSelection selection;
        OtaData stored = null;
        if (otadataPartition.isPresent()) {
            stored = OtadataFlash.read(device.flash(), otadataPartition.get());
            OtaData selectable = properties.antiRollback() ? withoutOutdated(device, table, stored) : stored;
            selection = selectable.select(table, properties.rollback());
            for (int i = 0; i < 2; i++) {
                OtaSelectEntry after = selection.otadata().entry(i);
                if (selectable.entry(i).equals(stored.entry(i)) && !after.equals(stored.entry(i))) {
                    OtadataFlash.writeEntry(device.flash(), otadataPartition.get(), i, after);
                    changes.add("otadata[" + i + "] seq " + after.seq() + ": " + stored.entry(i).stateName() + " -> "
                            + after.stateName());
                }
            }
        } else {
            selection = OtaData.blank().select(table, properties.rollback());
        }
        for (Partition candidate : candidates(selection.slot(), table)) {
            ImageVerification image = PartitionImages.verify(device.flash(), candidate,
                    device.bootVerifyOptions(ImageKind.APP, candidate));
            if (!image.valid()) {
                skipped.add(candidate.label() + ": " + image.findings().get(0));
                continue;
            }
            AppDescription app = image.appDescription().orElseThrow();
            if (properties.antiRollback() && app.secureVersion() < properties.efuseSecureVersion()) {
                skipped.add(candidate.label() + ": secure_version " + app.secureVersion() + " < eFuse "
                        + properties.efuseSecureVersion());
                continue;
            }
            afterBoot(device, selection, stored, candidate, app, changes);
            return new BootResult(Optional.of(candidate), Optional.of(app), changes, skipped);
        }
        skipped.add("no bootable app partition in the partition table");
        return new BootResult(Optional.empty(), Optional.empty(), changes, skipped);
    }

    /** Initial-contents otadata gets its first real entry; with anti-rollback a VALID boot raises the eFuse. */
    private static void afterBoot(Device device, BootSelection selection, OtaData stored, Partition booted,
            AppDescription app, List<String> changes) {
        int slot = booted.otaSlot().orElse(-1);
        PartitionTable table = device.partitionTable();
        if (selection.initialContents() && slot >= 0 && table.otadata().isPresent()) {
            OtaSelectEntry entry = stored.withInitialSequence(slot).entry(0);
            OtadataFlash.writeEntry(device.flash(), table.otadata().get(), 0, entry);
            changes.add("otadata[0] seq " + entry.seq() + ": initial -> VALID");
            burnIfAntiRollback(device, app);
        } else if (selection.activeEntry() >= 0 && slot == selection.slot()
                && selection.otadata().entry(selection.activeEntry()).state() == OtaImgState.VALID.raw()) {
            burnIfAntiRollback(device, app);
        }
    }

    private static void burnIfAntiRollback(Device device, AppDescription app) {
        if (device.properties().antiRollback() && app.secureVersion() > device.properties().efuseSecureVersion()) {
            device.burnSecureVersion(Math.min(app.secureVersion(), device.properties().efuseSecureVersionMax()));
        }
    }

    /** Entries whose slot holds an app below the eFuse secure version are treated as erased for selection. */
    private static OtaData withoutOutdated(Device device, PartitionTable table, OtaData data) {
        OtaData result = data;
        for (int i = 0; i < 2; i++) {
            OtaSelectEntry entry = data.entry(i);
            if (!entry.isValid() || table.otaSlotCount() == 0) {
                continue;
            }
            int slot = (int) (((entry.seq() - 1) & 0xFFFFFFFFL) % table.otaSlotCount());
            Optional<Partition> partition = table.otaApp(slot);
            long secureVersion = partition.flatMap(p -> PartitionImages.verify(device.flash(), p,
                    device.bootVerifyOptions(ImageKind.APP, p)).appDescription()).map(AppDescription::secureVersion)
                    .orElse(-1L);
            if (secureVersion < device.properties().efuseSecureVersion()) {
                result = result.withEntry(i, OtaSelectEntry.ERASED);
            }
        }
        return result;
    }

    /** The chosen index, then lower OTA slots down to the factory app, then higher slots, then the test app. */
    static List<Partition> candidates(int slot, PartitionTable table) {
        List<Partition> order = new ArrayList<>();
        for (int index = slot; index >= BootSelection.FACTORY; index--) {
            (index == BootSelection.FACTORY ? table.factory() : table.otaApp(index)).ifPresent(order::add);
        }
        for (int index = slot + 1; index < 16; index++) {
            table.otaApp(index).ifPresent(order::add);
        }
        table.test().ifPresent(order::add);
        return order;
    }
}
