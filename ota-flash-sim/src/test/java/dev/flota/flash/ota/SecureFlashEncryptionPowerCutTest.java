package dev.flota.flash.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashEncryptionMode;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.SecureBootDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import java.security.KeyPair;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * {@link PowerCutTest}'s sweep on a release-mode device with Secure Boot V2 and flash encryption: the power is cut at
 * every flash operation of a signed update into the passive slot and the boot switch; after each cut the device
 * boots the old app, never nothing, and the uninterrupted run boots the new one from a slot holding ciphertext.
 */
class SecureFlashEncryptionPowerCutTest {

    private static final KeyPair TRUSTED = TestKeys.rsa3072("a");

    @Test
    void updateIntoThePassiveSlotThenSetBootPartition() {
        DeviceProperties plaintext = SecureBootDevices.secureBoot(FlashEncryptionDevices.withKey(
                DeviceProperties.of(Chip.ESP32_C3), FlashEncryptionDevices.KEY_32,
                dev.flota.flash.device.FlashEncryptionConfig.releaseMode()), TRUSTED).withRollback(true);
        Device warmUp = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed("old")), plaintext);
        assertThat(FlashEncryptionMode.of(warmUp.properties().efuses())).isEqualTo(FlashEncryptionMode.RELEASE);
        assertThat(warmUp.runningApp().orElseThrow().version()).isEqualTo("old");
        OtaFlow.update(warmUp, signed("mid"));
        warmUp.reboot();
        OtaOperations.on(warmUp).markAppValidCancelRollback();
        assertThat(warmUp.runningApp().orElseThrow().version()).isEqualTo("mid");
        NorFlash start = TestDevices.copy(warmUp.flash());
        DeviceProperties properties = warmUp.properties();
        byte[] image = signed("new");

        Device reference = Device.poweredOn(TestDevices.copy(start), properties);
        long before = reference.flash().stats().mutatingOperations();
        Partition slot = OtaFlow.update(reference, image);
        long operations = reference.flash().stats().mutatingOperations() - before;
        assertThat(reference.flash().read(slot.offset(), 64)).as("ciphertext in the slot")
                .isEqualTo(Arrays.copyOf(FlashEncryptionDevices.ciphertext(reference, slot.offset(), image), 64));
        assertThat(reference.reboot().appDescription().orElseThrow().version()).isEqualTo("new");

        for (long cut = 0; cut < operations; cut++) {
            Device device = Device.poweredOn(TestDevices.copy(start), properties);
            device.flash().faults().cutPowerAfterOperations(cut);
            assertThatThrownBy(() -> OtaFlow.update(device, image)).as("cut at operation %d", cut)
                    .isInstanceOfSatisfying(FlashException.class,
                            e -> assertThat(e.error()).isEqualTo(FlashError.POWER_LOST));
            BootResult boot = device.reboot();
            assertThat(boot.booted()).as("cut at operation %d of %d: %s", cut, operations, boot).isPresent();
            assertThat(boot.appDescription().orElseThrow().version()).as("cut at operation %d of %d", cut,
                    operations).isEqualTo("mid");
            assertThat(device.reboot().appDescription().orElseThrow().version()).as("second boot after cut %d", cut)
                    .isIn("mid", "old");
        }
        System.out.println("SecureFlashEncryptionPowerCutTest: update + setBootPartition, " + operations
                + " cut points covered");
        assertThat(operations).isGreaterThan(50);
    }

    private static byte[] signed(String version) {
        return SecureBootDevices.signed(TestImages.app(Chip.ESP32_C3, version, 4000), TRUSTED);
    }
}
