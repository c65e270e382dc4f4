package dev.flota.flash.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.TestDevices;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Cuts the power at every single flash operation (each erase and each page program) of an update and of a rollback
 * confirmation, reboots, and checks the device always boots a valid app: the old one, or the new one only when the
 * interrupted sequence had completed.
 */
class PowerCutTest {

    @Test
    void updateIntoThePassiveSlotThenSetBootPartition() {
        NorFlash initial = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("old"));
        Device warmUp = TestDevices.device(TestDevices.copy(initial), true);
        OtaFlow.update(warmUp, TestDevices.app("mid"));
        warmUp.reboot();
        OtaOperations.on(warmUp).markAppValidCancelRollback();
        NorFlash start = TestDevices.copy(warmUp.flash());

        int covered = cutEverywhere(start, device -> OtaFlow.update(device, TestDevices.app("new")), "mid", "new");
        System.out.println("PowerCutTest: update + setBootPartition, " + covered + " cut points covered");
        assertThat(covered).isGreaterThan(100);
    }

    @Test
    void markValidAfterARollbackBoot() {
        Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("old")),
                true);
        OtaFlow.update(device, TestDevices.app("mid"));
        device.reboot();
        OtaOperations.on(device).markAppValidCancelRollback();
        OtaFlow.update(device, TestDevices.app("new"));
        NorFlash start = TestDevices.copy(device.flash());
        assertThat(TestDevices.device(TestDevices.copy(start), true).lastBoot().otadataChanges())
                .as("each run starts with the boot that arms the rollback").anyMatch(c -> c.contains(
                        "NEW -> PENDING_VERIFY"));

        int covered = cutEverywhere(start, d -> OtaOperations.on(d).markAppValidCancelRollback(), "mid", "new");
        System.out.println("PowerCutTest: markAppValidCancelRollback, " + covered + " cut points covered");
        assertThat(covered).isEqualTo(2);
    }

    /**
     * Runs {@code scenario} on a device booted from {@code start} once without faults to count its operations, then
     * once per operation with the power cut there. Returns how many cut points were covered.
     */
    private static int cutEverywhere(NorFlash start, Consumer<Device> scenario, String oldVersion,
            String newVersion) {
        Device reference = TestDevices.device(TestDevices.copy(start), true);
        long before = reference.flash().stats().mutatingOperations();
        scenario.accept(reference);
        long operations = reference.flash().stats().mutatingOperations() - before;
        assertThat(reference.reboot().appDescription().orElseThrow().version()).isEqualTo(newVersion);

        for (long cut = 0; cut < operations; cut++) {
            Device device = TestDevices.device(TestDevices.copy(start), true);
            device.flash().faults().cutPowerAfterOperations(cut);
            assertThatThrownBy(() -> scenario.accept(device)).as("cut at operation %d", cut)
                    .isInstanceOfSatisfying(FlashException.class,
                            e -> assertThat(e.error()).isEqualTo(FlashError.POWER_LOST));
            BootResult boot = device.reboot();
            assertThat(boot.booted()).as("cut at operation %d of %d: %s", cut, operations, boot).isPresent();
            assertThat(boot.appDescription().orElseThrow().version()).as("cut at operation %d of %d", cut, operations)
                    .isEqualTo(oldVersion);
            BootResult again = device.reboot();
            assertThat(again.appDescription().orElseThrow().version()).as("second boot after cut %d", cut)
                    .isIn(oldVersion, "old");
        }
        return (int) operations;
    }
}
