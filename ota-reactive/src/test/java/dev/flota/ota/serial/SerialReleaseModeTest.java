package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.efuse.SecureFeatures;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.SecurityInfo;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.target.TargetIdentity;
import java.time.Duration;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link SerialTarget} on simulated chips whose eFuses are burned as in development and release mode: what it reads
 * at connect, and the typed refusals where a loader cannot update the device (device_security.md §1.9).
 */
class SerialReleaseModeTest {

    private static final byte[] KEY = key();

    private static byte[] key() {
        byte[] key = new byte[32];
        new Random(21).nextBytes(key);
        return key;
    }

    private static LoaderDevice loader(Chip chip, Efuses efuses) {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestImages.app(chip, "1.0", 1000));
        return LoaderDevice.of(Device.of(flash, DeviceProperties.of(chip)
                .withChipRevision(chip == Chip.ESP32 ? 300 : 4).withEfuses(efuses)));
    }

    private static SerialConnector connector(LoaderDevice chip) {
        return fast(SerialTargetTest.connector(chip, l -> l));
    }

    private static SerialConnector fast(SerialConnector connector) {
        return connector.timeouts(LoaderTimeouts.esptool().withCommand(Duration.ofSeconds(5)));
    }

    @Test
    void identityCarriesTheSecureVersionAndBlockRevisionFromEfuse() {
        Efuses c3 = Efuses.blank(Chip.ESP32_C3).security().burnSecureVersion(3).security().burnBlockRevision(101);
        LoaderDevice device = loader(Chip.ESP32_C3, c3);
        try (SerialTarget target = connector(device).connect()) {
            TargetIdentity identity = target.identity();
            assertThat(identity.efuseSecureVersion()).isEqualTo(3)
                    .isEqualTo(device.device().properties().efuseSecureVersion());
            assertThat(identity.efuseBlockRevision()).isEqualTo(101)
                    .isEqualTo(device.device().properties().efuseBlockRevision());
            assertThat(identity.antiRollback()).as("a burned secure version means anti-rollback").isTrue();
            assertThat(identity.chipRevision()).isEqualTo(4);
            assertThat(target.securityInfo().orElseThrow().chipId().getAsInt()).isEqualTo(Chip.ESP32_C3.id());
        }
        Efuses esp32 = Efuses.blank(Chip.ESP32).security().burnSecureVersion(2);
        try (SerialTarget target = connector(loader(Chip.ESP32, esp32)).connect()) {
            assertThat(target.identity().efuseSecureVersion()).as("ESP32 keeps it in BLK3").isEqualTo(2);
            assertThat(target.identity().efuseBlockRevision()).isZero();
            assertThat(target.securityInfo()).as("the ESP32 ROM has no GET_SECURITY_INFO").isEmpty();
        }
        try (SerialTarget target = connector(loader(Chip.ESP32_S3, Efuses.blank(Chip.ESP32_S3))).connect()) {
            assertThat(target.identity()).isEqualTo(new TargetIdentity(Chip.ESP32_S3, 4, false, 0, 0));
        }
    }

    @Test
    void secureDownloadModeIsRefusedAtConnect() {
        Efuses secureBoot = SecureFeatures.enableSecureBoot(Efuses.blank(Chip.ESP32_S3), false);
        assertThatThrownBy(() -> connector(loader(Chip.ESP32_S3, secureBoot)).connect())
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.SECURE_DOWNLOAD_MODE))
                .hasMessageContaining("Secure Download Mode")
                .hasMessageContaining("partition table, otadata and running app cannot be read");
        Efuses s2 = Efuses.blank(Chip.ESP32_S2).burn("ENABLE_SECURITY_DOWNLOAD", 1);
        assertThatThrownBy(() -> connector(loader(Chip.ESP32_S2, s2)).connect())
                .as("the S2's 12-byte security info carries the flag too")
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.SECURE_DOWNLOAD_MODE));
    }

    @Test
    void disabledDownloadModeGivesNoSync() {
        LoaderDevice device = loader(Chip.ESP32_C3, Efuses.blank(Chip.ESP32_C3).burn("DIS_DOWNLOAD_MODE", 1));
        LoaderTimeouts quick = new LoaderTimeouts(Duration.ofMillis(20), Duration.ofMillis(2), Duration.ofMillis(20),
                Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(20));
        assertThatThrownBy(() -> SerialTargetTest.connector(device, l -> l).timeouts(quick).connect())
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.NO_SYNC));
    }

    @Test
    void flashEncryptionInDevelopmentModeIsRefusedNamingEncryptedWrites() {
        Efuses development = Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(KEY).security()
                .burnCryptCnt(1);
        assertThatThrownBy(() -> connector(loader(Chip.ESP32_C3, development)).connect())
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.FLASH_ENCRYPTED))
                .hasMessageContaining("flash encryption is on (crypt counter 0x1)")
                .hasMessageContaining("read as ciphertext")
                .hasMessageContaining("write-flash --encrypt");
        Efuses esp32 = Efuses.blank(Chip.ESP32).security().burnFlashEncryptionKey(KEY).security().burnCryptCnt(1);
        assertThatThrownBy(() -> connector(loader(Chip.ESP32, esp32)).connect())
                .as("ESP32: the counter is read from eFuse word 0, there is no GET_SECURITY_INFO")
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.FLASH_ENCRYPTED))
                .hasMessageContaining("with the flasher stub on ESP32");
    }

    @Test
    void releaseModeWithoutSecureDownloadModeIsRefusedAsRelease() {
        Efuses esp32 = SecureFeatures.release(Efuses.blank(Chip.ESP32).security().burnFlashEncryptionKey(KEY)
                .security().burnCryptCnt(0x7F));
        assertThatThrownBy(() -> connector(loader(Chip.ESP32, esp32)).connect())
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.FLASH_ENCRYPTED))
                .hasMessageContaining("release mode forbids encrypted download (DISABLE_DL_ENCRYPT): only "
                        + "pre-encrypted ciphertext can be written");
        Efuses c3 = Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(KEY).security().burnCryptCnt(7)
                .burn("DIS_DOWNLOAD_MANUAL_ENCRYPT", 1);
        assertThatThrownBy(() -> connector(loader(Chip.ESP32_C3, c3)).connect())
                .hasMessageContaining("release mode forbids encrypted download (DIS_DOWNLOAD_MANUAL_ENCRYPT)");
    }

    @Test
    void securityInfoIsReportedAsTheChipSendsIt() {
        Efuses efuses = Efuses.blank(Chip.ESP32_C6).burn("SECURE_BOOT_KEY_REVOKE2", 1).burn("DIS_PAD_JTAG", 1);
        try (SerialTarget target = connector(loader(Chip.ESP32_C6, efuses)).connect()) {
            SecurityInfo info = target.securityInfo().orElseThrow();
            assertThat(info.flags()).isEqualTo(SecurityInfo.SECURE_BOOT_KEY_REVOKE2 | SecurityInfo.HARD_DIS_JTAG);
            assertThat(info.flashCryptCnt()).isZero();
        }
    }
}
