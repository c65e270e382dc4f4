package dev.flota.bench.host.flash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.encryption.FlashEncryptionKey;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code flash create --flash-encryption-key}: the device on disk is as the first boot of a device flashed in
 * plaintext leaves it (ciphertext where ESP-IDF encrypts, byte-identical with espsecure's vectors), {@code flash info}
 * shows the mode and boots it, and a plaintext {@code flash write} is refused by {@code set-boot} as on a chip.
 */
class FlashEncryptionCommandsTest {

    private static final String TABLE = TestDevices.FACTORY_ONE_512K_SLOT;
    private static final byte[] APP = TestImages.app(Chip.ESP32_C3, "1.0", 3000);

    @TempDir
    Path dir;

    @Test
    void developmentModeDeviceIsEncryptedAtCreationAndBoots() throws Exception {
        Path key = Files.write(dir.resolve("key.bin"), FlashEncryptionDevices.KEY_32);
        Path flash = create(Files.writeString(dir.resolve("table.csv"), TABLE), "2MB", APP, "--flash-encryption-key",
                key.toString());

        byte[] raw = Files.readAllBytes(flash);
        FlashCipher cipher = FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_C3, FlashEncryptionDevices.KEY_32));
        byte[] plaintext = Arrays.copyOf(APP, APP.length / 16 * 16);
        assertThat(Arrays.copyOfRange(raw, 0x10000, 0x10000 + plaintext.length)).isEqualTo(cipher.encrypt(0x10000,
                plaintext));
        DeviceProperties properties = DeviceProperties.load(DeviceProperties.sidecarOf(flash));
        assertThat(properties.efuses().security().cryptCnt()).isEqualTo(1);
        assertThat(properties.flashEncryption()).isPresent();

        JsonNode info = run(0, "flash", "info", flash.toString(), "--json").json();
        assertThat(info.get("security").get("flashEncryption").get("mode").asText()).isEqualTo("DEVELOPMENT");
        assertThat(info.get("boot").asText()).isEqualTo("factory");
        assertThat(info.get("apps").get(0).get("valid").asBoolean()).as("read decrypted").isTrue();
        assertThat(run(0, "flash", "info", flash.toString()).out()).contains("flash encryption DEVELOPMENT");
        assertThat(run(0, "flash", "boot", flash.toString()).out()).contains("Booted: factory");

        Path plain = Files.write(dir.resolve("new.bin"), TestImages.app(Chip.ESP32_C3, "2.0", 3000));
        run(0, "flash", "write", flash.toString(), "--partition", "ota_0", plain.toString());
        assertThat(run(1, "flash", "set-boot", flash.toString(), "--partition", "ota_0").err())
                .as("plaintext written raw reads back as garbage").startsWith("error: ESP_ERR_OTA_VALIDATE_FAILED");
        run(0, "flash", "write", flash.toString(), "--partition", "ota_0", plain.toString(), "--encrypt");
        run(0, "flash", "set-boot", flash.toString(), "--partition", "ota_0");
        assertThat(run(0, "flash", "boot", flash.toString()).out()).contains("Booted: ota_0");
    }

    @Test
    void releaseModeBurnsEveryCounterBit() throws Exception {
        Path key = Files.write(dir.resolve("key.bin"), FlashEncryptionDevices.KEY_32);
        Path flash = create(Files.writeString(dir.resolve("table.csv"), TABLE), "2MB", APP, "--flash-encryption-key",
                key.toString(), "--release");
        JsonNode fe = run(0, "flash", "info", flash.toString(), "--json").json().get("security")
                .get("flashEncryption");
        assertThat(fe.get("mode").asText()).isEqualTo("RELEASE");
        assertThat(fe.get("cryptCnt").asInt()).isEqualTo(7);
        assertThat(fe.get("bootloaderConfig").asText()).isEqualTo("release");
        assertThat(run(1, "flash", "write", flash.toString(), "--partition", "ota_0", dir.resolve("factory.bin")
                .toString(), "--encrypt").err()).contains("DIS_DOWNLOAD_MANUAL_ENCRYPT is burned");
    }

    @Test
    void esp32DumpMatchesEspsecureAtEachEncryptedRegion() throws Exception {
        Path table = Vectors.file("partition_tables/pt_factory_ota2_4MB.bin");
        byte[] app = Vectors.bytes("app_images/esp32_app_template.bin");
        Path flash = create(table, "4MB", app, "--flash-encryption-key",
                Vectors.file("flash_encryption/keys/esp32_aes256_key_a.bin").toString());
        byte[] raw = Files.readAllBytes(flash);
        assertRegion(raw, 0x10000, "flash_encryption/esp32/esp32_app_template.0x10000.enc.bin");
        assertRegion(raw, 0x8000, "flash_encryption/esp32/pt_factory_ota2_4MB.sector.0x8000.enc.bin");
        assertRegion(raw, 0x110000, "flash_encryption/plain/ff_4096.bin");
        assertThat(run(0, "flash", "info", flash.toString(), "--json").json().get("boot").asText())
                .isEqualTo("factory");
    }

    private static void assertRegion(byte[] raw, int address, String vector) {
        byte[] expected = Vectors.bytes(vector);
        assertThat(Arrays.equals(Arrays.copyOfRange(raw, address, address + expected.length), expected))
                .as("0x%x = %s", address, vector).isTrue();
    }

    private Path create(Path table, String size, byte[] factory, String... extra) throws Exception {
        Path file = Files.write(dir.resolve("factory.bin"), factory);
        Path flash = dir.resolve("device.bin");
        List<String> args = new java.util.ArrayList<>(List.of("flash", "create", flash.toString(), "--size", size,
                "--partitions", table.toString(), "--factory", file.toString()));
        args.addAll(List.of(extra));
        run(0, args.toArray(String[]::new));
        return flash;
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
