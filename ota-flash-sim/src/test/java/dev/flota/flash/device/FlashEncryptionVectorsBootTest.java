package dev.flota.flash.device;

import static dev.flota.flash.testing.FlashEncryptionDevices.erased;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.Vectors;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A device flashed in plaintext with a key from {@code vectors/flash_encryption} burned: after its first boot the
 * dump holds, at each region ESP-IDF encrypts, exactly what {@code espsecure encrypt-flash-data} made for that key and
 * address; empty OTA slots stay raw 0xFF and read decrypted as the {@code .dec} vectors; NVS stays plaintext.
 */
class FlashEncryptionVectorsBootTest {

    private static final long FOUR_MB = 4 * 1024 * 1024;

    @Test
    void esp32FactoryAppTableAndOtadataMatchEspsecure() {
        byte[] app = Vectors.bytes("app_images/esp32_app_template.bin");
        byte[] table = Vectors.bytes("partition_tables/pt_factory_ota2_4MB.bin");
        byte[] otadata = Vectors.bytes("otadata/otadata_otatool_switch_ota0_ota1.bin");
        NorFlash flash = FlashEncryptionDevices.flash(FOUR_MB, Map.of(0x8000L, table, 0xd000L, otadata,
                0x10000L, app));
        byte[] nvsBefore = flash.read(0x9000, 0x4000);
        Device device = Device.poweredOn(flash, FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32),
                key("flash_encryption/keys/esp32_aes256_key_a.bin")));

        assertThat(device.lastBoot().bootedLabel()).as("%s", device.lastBoot()).isEqualTo("factory");
        assertThat(device.lastBoot().events()).anyMatch(e -> e.startsWith("flash encryption completed"));
        assertThat(device.properties().efuses().security().flashCryptConfig()).isEqualTo(0xF);
        assertRaw(flash, 0x10000, "flash_encryption/esp32/esp32_app_template.0x10000.enc.bin");
        assertRaw(flash, 0x8000, "flash_encryption/esp32/pt_factory_ota2_4MB.sector.0x8000.enc.bin");
        assertRaw(flash, 0xd000, "flash_encryption/esp32/otadata_otatool_switch_ota0_ota1.0xd000.enc.bin");
        assertThat(flash.read(0x9000, 0x4000)).as("nvs stays plaintext").isEqualTo(nvsBefore);
        assertThat(flash.read(0x110000, 4096)).as("the empty ota_0 stays raw").isEqualTo(erased(4096));
        assertThat(device.flashView().read(device.partitionTable().find("ota_0").orElseThrow(), 0x110000, 4096))
                .isEqualTo(Vectors.bytes("flash_encryption/esp32/ff_4096.0x110000.dec.bin"));
    }

    @Test
    void esp32BootloaderMatchesEspressifsOwnVectorsForEachFlashCryptConfig() {
        byte[] bootloader = Vectors.bytes("flash_encryption/espressif_test_vectors/bootloader.bin");
        byte[] key = key("flash_encryption/espressif_test_vectors/256bit_key.bin");
        for (int conf : new int[] {0x0, 0x3, 0x9, 0xC}) {
            NorFlash flash = FlashEncryptionDevices.flash(FOUR_MB, Map.of(0x1000L, bootloader,
                    0x8000L, Vectors.bytes("partition_tables/pt_factory_ota2_4MB.bin"),
                    0x10000L, Vectors.bytes("app_images/esp32_app_template.bin")));
            DeviceProperties base = DeviceProperties.of(Chip.ESP32).withBootloaderInFlash(true);
            Efuses efuses = base.efuses();
            if (conf != 0) {
                efuses = efuses.security().burnFlashCryptConfig(conf);
            }
            Device device = Device.poweredOn(flash, FlashEncryptionDevices.withKey(base.withEfuses(efuses), key));

            assertThat(device.lastBoot().bootedLabel()).as("conf %x: %s", conf, device.lastBoot())
                    .isEqualTo("factory");
            String vector = conf == 0 ? "bootloader-encrypted.bin" : String.format("bootloader-encrypted-conf%x.bin",
                    conf);
            assertThat(device.properties().efuses().security().flashCryptConfig())
                    .as("the bootloader raises 0 to 0xF, keeps any other").isEqualTo(conf == 0 ? 0xF : conf);
            assertRaw(flash, 0x1000, "flash_encryption/espressif_test_vectors/" + vector);
        }
    }

    @Test
    void esp32c3XtsAes128AppTableAndOtadataMatchEspsecure() {
        byte[] app = Vectors.bytes("app_images/esp32c3_hello_world_idf4.4.bin");
        NorFlash real = FlashEncryptionDevices.flash(FOUR_MB, Map.of(0x8000L,
                Vectors.bytes("partition_tables/real_esp32c3_hello_world_partition-table.bin"), 0x10000L, app));
        byte[] key = key("flash_encryption/keys/xts_aes128_key_a.bin");
        Device device = Device.poweredOn(real, FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_C3),
                key));
        assertThat(device.lastBoot().bootedLabel()).as("%s", device.lastBoot()).isEqualTo("factory");
        assertRaw(real, 0x10000, "flash_encryption/xts128/esp32c3_hello_world.0x10000.enc.bin");
        assertRaw(real, 0x8000, "flash_encryption/xts128/real_esp32c3_partition-table.0x8000.enc.bin");

        // the real table has no otadata: the generated layout has it at 0xd000, as the vector
        NorFlash withOtadata = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, app);
        withOtadata.program(0xd000, Vectors.bytes("otadata/otadata_seq3_pendingverify_seq2_valid.bin"));
        Device second = Device.poweredOn(withOtadata, FlashEncryptionDevices.withKey(
                DeviceProperties.of(Chip.ESP32_C3), key));
        assertThat(second.lastBoot().bootedLabel()).as("%s", second.lastBoot()).isEqualTo("factory");
        assertRaw(withOtadata, 0xd000, "flash_encryption/xts128/otadata_seq3_pendingverify_seq2_valid.0xd000.enc.bin");
        assertRaw(withOtadata, 0x10000, "flash_encryption/xts128/esp32c3_hello_world.0x10000.enc.bin");
    }

    @Test
    void esp32s2XtsAes256AppTableAndOtadataMatchEspsecure() {
        NorFlash flash = FlashEncryptionDevices.flash(FOUR_MB, Map.of(
                0x8000L, Vectors.bytes("flash_encryption/plain/pt_flags_encrypted_readonly.sector.bin"),
                0x10000L, Vectors.bytes("otadata/otadata_otatool_switch_ota0.bin"),
                0x20000L, Vectors.bytes("app_images/esp32s2_blink_idf5.0.bin")));
        Device device = Device.poweredOn(flash, FlashEncryptionDevices.withKey(DeviceProperties.of(Chip.ESP32_S2),
                key("flash_encryption/keys/xts_aes256_key_a.bin")));

        assertThat(device.lastBoot().bootedLabel()).as("%s", device.lastBoot()).isEqualTo("ota_0");
        assertRaw(flash, 0x20000, "flash_encryption/xts256/esp32s2_blink.0x20000.enc.bin");
        assertRaw(flash, 0x8000, "flash_encryption/xts256/pt_flags_encrypted_readonly.sector.0x8000.enc.bin");
        assertRaw(flash, 0x10000, "flash_encryption/xts256/otadata_otatool_switch_ota0.0x10000.enc.bin");
        assertThat(flash.read(0x1a0000, 4096)).as("an empty slot stays raw, flag or not").isEqualTo(erased(4096));
        assertThat(device.flashView().read(device.partitionTable().find("ota_1").orElseThrow(), 0x1a0000, 4096))
                .isEqualTo(Vectors.bytes("flash_encryption/xts256/ff_4096.0x1a0000.dec.bin"));
    }

    private static void assertRaw(NorFlash flash, long address, String vector) {
        byte[] expected = Vectors.bytes(vector);
        assertThat(Arrays.equals(flash.read(address, expected.length), expected)).as("raw flash at 0x%x = %s",
                address, vector).isTrue();
    }

    private static byte[] key(String path) {
        return Vectors.bytes(path);
    }

}
