package dev.flota.flash.device;

import static dev.flota.flash.testing.FlashEncryptionDevices.erased;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * First boot of a plaintext device whose bootloader is built for flash encryption, and later boots (spec §1.5-§1.7),
 * on generated images: what is encrypted and what stays raw, the eFuses burned per mode, a key generated at
 * {@code CRYPT_CNT} 0, no second pass, plaintext written afterwards refused, a power cut during the pass.
 */
class FlashEncryptionBootTest {

    private static final byte[] APP = TestDevices.app("1.0");

    @Test
    void developmentModeEncryptsTheRegionsEspIdfEncryptsAndBootsTheDecryptedApp() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, APP);
        byte[] table = flash.read(0x8000, 4096);
        byte[] nvs = flash.read(0x9000, 0x4000);
        byte[] phy = flash.read(0xf000, 0x1000);
        Device device = Device.poweredOn(flash, FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_C3),
                FlashEncryptionDevices.KEY_32));

        assertThat(device.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(device.runningApp().orElseThrow().version()).isEqualTo("1.0");
        assertThat(device.properties().efuses().security().cryptCnt()).isEqualTo(1);
        assertThat(FlashEncryptionMode.of(device.properties().efuses())).isEqualTo(FlashEncryptionMode.DEVELOPMENT);
        assertThat(device.properties().efuses().isSet("DIS_DOWNLOAD_ICACHE")).isTrue();
        assertThat(device.properties().efuses().isSet("DIS_DOWNLOAD_MANUAL_ENCRYPT")).as("release only").isFalse();

        FlashCipher cipher = FlashEncryptionDevices.cipher(device);
        int appSectors = (APP.length + 4095) / 4096 * 4096;
        byte[] appSectorsPlain = Arrays.copyOf(APP, appSectors);
        Arrays.fill(appSectorsPlain, APP.length, appSectors, (byte) 0xFF);
        assertThat(flash.read(0x10000, appSectors)).isEqualTo(cipher.encrypt(0x10000, appSectorsPlain));
        assertThat(flash.read(0x10000 + appSectors, 4096)).as("past the image: raw").isEqualTo(erased(4096));
        assertThat(flash.read(0x8000, 4096)).isEqualTo(cipher.encrypt(0x8000, table));
        assertThat(flash.read(0xd000, 0x2000)).as("otadata: ciphertext of 0xFF").isEqualTo(cipher.encrypt(0xd000,
                erased(0x2000)));
        assertThat(flash.read(0x9000, 0x4000)).as("nvs").isEqualTo(nvs);
        assertThat(flash.read(0xf000, 0x1000)).as("phy").isEqualTo(phy);
        assertThat(flash.read(0x50000, 0x40000)).as("empty ota_0").isEqualTo(erased(0x40000));

        byte[] dump = flash.read(0, (int) flash.size());
        BootResult again = device.reboot();
        assertThat(again.bootedLabel()).isEqualTo("factory");
        assertThat(again.events()).as("no second pass").isEmpty();
        assertThat(flash.read(0, (int) flash.size())).isEqualTo(dump);
    }

    @Test
    void releaseModeBurnsEveryCounterBitAndTheRestrictions() {
        Device device = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, APP),
                FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_C3), FlashEncryptionDevices.KEY_32,
                        FlashEncryptionConfig.releaseMode()));

        Efuses efuses = device.properties().efuses();
        assertThat(device.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(efuses.security().cryptCnt()).isEqualTo(0b111);
        assertThat(efuses.isSet("DIS_DOWNLOAD_MANUAL_ENCRYPT")).isTrue();
        assertThat(FlashEncryptionMode.of(efuses)).isEqualTo(FlashEncryptionMode.RELEASE);
    }

    @Test
    void withoutAKeyAtCryptCnt0TheBootloaderGeneratesAndBurnsOne() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, APP);
        Device device = Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3).withFlashEncryption(
                FlashEncryptionConfig.developmentMode()));

        Efuses efuses = device.properties().efuses();
        String block = efuses.security().keyBlockWith(dev.flota.flash.efuse.KeyPurpose.XTS_AES_128_KEY)
                .orElseThrow();
        assertThat(efuses.readProtected(block)).isTrue();
        assertThat(device.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(flash.read(0x10000, 16)).isNotEqualTo(Arrays.copyOf(APP, 16));
        assertThat(device.flashView().read(device.partitionTable().find("factory").orElseThrow(), 0x10000, 16))
                .isEqualTo(Arrays.copyOf(APP, 16));
    }

    @Test
    void withoutTheKconfigNothingIsEncrypted() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, APP);
        byte[] dump = flash.read(0, (int) flash.size());
        DeviceProperties keyOnly = DeviceProperties.of(Chip.ESP32_C3).withEfuses(DeviceProperties.of(Chip.ESP32_C3)
                .efuses().security().burnFlashEncryptionKey(FlashEncryptionDevices.KEY_32));
        Device device = Device.poweredOn(flash, keyOnly);
        assertThat(device.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(device.properties().efuses().security().cryptCnt()).isZero();
        assertThat(flash.read(0, (int) flash.size())).isEqualTo(dump);
    }

    @Test
    void plaintextWrittenOnAnEncryptedDeviceDoesNotBoot() {
        Device device = FlashEncryptionDevices.esp32c3(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, APP));
        NorFlash flash = device.flash();

        flash.eraseRange(0x10000, 0x40000);
        flash.program(0x10000, APP);
        BootResult plainApp = device.reboot();
        assertThat(plainApp.booted()).as("a plaintext app is skipped").isEmpty();
        assertThat(plainApp.skipped()).anyMatch(s -> s.startsWith("factory:"));

        Device other = FlashEncryptionDevices.esp32c3(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, APP));
        byte[] plainTable = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, null).read(0x8000, 4096);
        other.flash().eraseSector(0x8000);
        other.flash().program(0x8000, plainTable);
        BootResult table = other.reboot();
        assertThat(table.booted()).isEmpty();
        assertThat(table.skipped()).anyMatch(s -> s.startsWith("partition table:"));
    }

    @Test
    void theRomDoesNotLoadAPlaintextBootloaderOnAnEncryptedDevice() {
        byte[] bootloader = TestImages.bootloader(Chip.ESP32_C3, 1, 2000);
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, bootloader, APP);
        Device device = Device.poweredOn(flash, FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_C3)
                .withBootloaderInFlash(true), FlashEncryptionDevices.KEY_32));
        assertThat(device.lastBoot().bootedLabel()).as("%s", device.lastBoot()).isEqualTo("factory");
        FlashCipher cipher = FlashEncryptionDevices.cipher(device);
        assertThat(cipher.decrypt(0, flash.read(0, bootloader.length / 16 * 16)))
                .isEqualTo(Arrays.copyOf(bootloader, bootloader.length / 16 * 16));

        flash.eraseRange(0, 0x8000);
        flash.program(0, bootloader);
        BootResult boot = device.reboot();
        assertThat(boot.booted()).isEmpty();
        assertThat(boot.skipped()).anyMatch(s -> s.startsWith("ROM: primary bootloader"));
    }

    @Test
    void aPowerCutDuringThePassLeavesTheKeyBurnedTheCounterEvenAndNoBoot() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, APP);
        Device device = Device.of(flash, FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_C3),
                FlashEncryptionDevices.KEY_32));
        flash.faults().cutPowerAfterOperations(3);
        assertThatThrownBy(device::reboot).isInstanceOf(FlashException.class);

        BootResult after = device.reboot();
        assertThat(after.booted()).as("%s", after).isEmpty();
        assertThat(device.properties().efuses().security().cryptCnt()).isZero();
        assertThat(device.properties().efuses().security().flashEncryptionKey()).isPresent();
    }

    @Test
    void esp32RaisesFlashCryptConfigTo0xFAndS3GeneratesAnXtsAes256KeyWhenConfigured() {
        byte[] esp32App = TestImages.app(Chip.ESP32, "1.0", 1000);
        Device esp32 = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, esp32App),
                FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32), FlashEncryptionDevices.KEY_32));
        assertThat(esp32.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(esp32.properties().efuses().security().flashCryptConfig()).isEqualTo(0xF);
        assertThat(esp32.properties().efuses().isSet("DISABLE_DL_DECRYPT")).isTrue();
        assertThat(esp32.properties().efuses().isSet("DISABLE_DL_ENCRYPT")).as("release only").isFalse();
        assertThat(esp32.flash().read(0x10000, 32)).isEqualTo(FlashEncryptionDevices.cipher(esp32).encrypt(0x10000,
                Arrays.copyOf(esp32App, 32)));

        Device s3 = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestImages.app(Chip.ESP32_S3,
                "1.0", 1000)), DeviceProperties.of(Chip.ESP32_S3).withFlashEncryption(
                        FlashEncryptionConfig.developmentMode().withAes256(true)));
        assertThat(s3.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(s3.properties().efuses().security().flashEncryptionKey()).hasValueSatisfying(k -> assertThat(k)
                .hasSize(64));
    }

    @Test
    void theSidecarKeepsTheKconfig() {
        DeviceProperties p = DeviceProperties.of(Chip.ESP32_S3).withFlashEncryption(FlashEncryptionConfig.releaseMode()
                .withAes256(true));
        assertThat(DeviceProperties.parse(p.encode())).isEqualTo(p);
        assertThat(DeviceProperties.parse(DeviceProperties.of(Chip.ESP32_S3).encode()).flashEncryption()).isEmpty();
    }
}
