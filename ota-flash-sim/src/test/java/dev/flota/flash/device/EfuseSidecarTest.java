package dev.flota.flash.device;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.FormatException;
import dev.flota.flash.efuse.EfuseException;
import dev.flota.flash.image.Chip;
import dev.flota.flash.secureboot.SignatureScheme;
import dev.flota.flash.testing.SecureBootDevices;
import dev.flota.flash.testing.TestKeys;
import org.junit.jupiter.api.Test;

/** The eFuses in the device sidecar: a round trip of every burned bit, and sidecars from before the eFuse model. */
class EfuseSidecarTest {

    @Test
    void everyBurnedBitSurvivesTheSidecar() {
        DeviceProperties s3 = DeviceProperties.of(Chip.ESP32_S3).withRollback(true);
        DeviceProperties keyed = s3.withEfuses(s3.efuses().security().burnFlashEncryptionKey(filled(64)));
        DeviceProperties sb = SecureBootDevices.secureBoot(keyed, TestKeys.rsa3072("a"), TestKeys.rsa3072("b"));
        assertThatThrownBy(() -> sb.efuses().readProtect("BLOCK_KEY5")).as("Secure Boot write-protects RD_DIS, so "
                + "a flash key goes first").isInstanceOf(EfuseException.class);
        DeviceProperties burned = sb.withEfuses(sb.efuses().security().revoke(0)).withEfuseSecureVersion(5)
                .withEfuseBlockRevision(101);
        String text = burned.encode();
        assertThat(text).contains("efuse.BLOCK0=", "efuse.BLOCK4=", "bootloader.secureBootScheme=RSA_3072",
                "efuse.secureVersion=5", "efuse.blockRevision=1.1");
        DeviceProperties read = DeviceProperties.parse(text);
        assertThat(read).isEqualTo(burned);
        assertThat(read.secureBootEnabled()).isTrue();
        assertThat(read.efuses().security().secureBootDigests().get(0)).isEmpty();
        assertThat(read.efuses().security().flashEncryptionKey()).hasValueSatisfying(k -> assertThat(k)
                .isEqualTo(filled(64)));
        assertThat(read.efuseSecureVersion()).isEqualTo(5);
    }

    @Test
    void aSidecarWrittenBeforeTheEfuseModelStillReads() {
        DeviceProperties older = DeviceProperties.parse("""
                #Flota simulated device: what is not in flash
                bootloader.antiRollback=true
                bootloader.inFlash=false
                bootloader.rollback=true
                chip=esp32c3
                chipRevision=0.4
                efuse.blockRevision=1.2
                efuse.recoveryBootloaderOffset=0x0
                efuse.secureVersion=3
                efuse.secureVersionBits=16
                partitionTable.offset=0x8000
                running=ota_0
                """);
        assertThat(older.efuseBlockRevision()).isEqualTo(102);
        assertThat(older.efuseSecureVersion()).isEqualTo(3);
        assertThat(older.efuseSecureVersionMax()).isEqualTo(16);
        assertThat(older.secureBootEnabled()).isFalse();
        assertThat(older.effectiveSecureBootScheme()).isEqualTo(SignatureScheme.RSA_3072);
        assertThat(older.efuses().get("SECURE_VERSION")).isEqualTo(0b111);
        assertThat(DeviceProperties.parse(older.encode())).isEqualTo(older);
    }

    @Test
    void theDeviceApisBurnOnlyUpAndBadBlocksAreAFormatError() {
        DeviceProperties rev = DeviceProperties.of(Chip.ESP32_C3).withEfuseBlockRevision(102);
        assertThatThrownBy(() -> rev.withEfuseBlockRevision(101)).isInstanceOf(EfuseException.class);
        assertThat(rev.withEfuseSecureVersion(4).withEfuseSecureVersion(2).efuseSecureVersion()).isEqualTo(4);
        Device device = Device.of(dev.flota.flash.testing.TestDevices.flash(
                dev.flota.flash.testing.TestDevices.FACTORY_TWO_SLOTS, null), rev);
        assertThatThrownBy(() -> device.burnEfuses(DeviceProperties.of(Chip.ESP32_C3).efuses()))
                .isInstanceOfSatisfying(EfuseException.class, e -> assertThat(e.reason())
                        .isEqualTo(EfuseException.Reason.WOULD_CLEAR_BITS));
        device.burnEfuses(rev.efuses().burn("SECURE_BOOT_EN", 1));
        assertThat(device.properties().secureBootEnabled()).isTrue();
        assertThatThrownBy(() -> DeviceProperties.parse("chip=esp32c3\nefuse.BLOCK0=00ff\n"))
                .isInstanceOf(FormatException.class);
    }

    private static byte[] filled(int length) {
        byte[] out = new byte[length];
        for (int i = 0; i < length; i++) {
            out[i] = (byte) (i * 7 + 1);
        }
        return out;
    }
}
