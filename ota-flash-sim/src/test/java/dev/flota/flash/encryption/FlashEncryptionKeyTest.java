package dev.flota.flash.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.image.Chip;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FlashEncryptionKeyTest {

    @Test
    void theKeyFileLengthPicksTheSchemeWhereTheChipHasSeveral() {
        assertThat(FlashEncryptionKey.parse(Chip.ESP32, new byte[32]).scheme()).isEqualTo(FlashCryptScheme.ESP32_AES_256);
        assertThat(FlashEncryptionKey.parse(Chip.ESP32_S3, new byte[32]).scheme()).isEqualTo(FlashCryptScheme.XTS_AES_128);
        assertThat(FlashEncryptionKey.parse(Chip.ESP32_S3, new byte[64]).scheme()).isEqualTo(FlashCryptScheme.XTS_AES_256);
        assertThat(FlashEncryptionKey.parse(Chip.ESP32_S2, new byte[64]).scheme()).isEqualTo(FlashCryptScheme.XTS_AES_256);
        assertThat(FlashEncryptionKey.parse(Chip.ESP32_C3, new byte[32]).scheme()).isEqualTo(FlashCryptScheme.XTS_AES_128);
        assertThat(FlashCryptScheme.of(Chip.ESP32_C6)).containsExactly(FlashCryptScheme.XTS_AES_128);
    }

    @Test
    void refusesLengthsTheChipCannotUse() {
        assertThatThrownBy(() -> FlashEncryptionKey.parse(Chip.ESP32_C3, new byte[64]))
                .isInstanceOfSatisfying(FlashEncryptionException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_INVALID_SIZE))
                .hasMessageContaining("64-byte").hasMessageContaining("ESP32-C3");
        assertThatThrownBy(() -> FlashEncryptionKey.parse(Chip.ESP32, new byte[64]))
                .isInstanceOf(FlashEncryptionException.class);
        assertThatThrownBy(() -> FlashEncryptionKey.parse(Chip.ESP32_S3, new byte[16]))
                .isInstanceOf(FlashEncryptionException.class);
        assertThatThrownBy(() -> FlashEncryptionKey.parse(Chip.ESP32_H21, new byte[32]))
                .isInstanceOfSatisfying(FlashEncryptionException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_NOT_SUPPORTED));
    }

    @Test
    void shortKeyFilesAreExtendedAsEspsecureDoes() throws Exception {
        byte[] key24 = FlashCipherTest.random(24, 1);
        byte[] expected = Arrays.copyOf(key24, 32);
        System.arraycopy(key24, 8, expected, 24, 8);
        assertThat(FlashEncryptionKey.parse(Chip.ESP32, key24).cipherKey()).isEqualTo(expected);
        byte[] key16 = FlashCipherTest.random(16, 2);
        assertThat(FlashEncryptionKey.parse(Chip.ESP32_C2, key16).cipherKey())
                .isEqualTo(MessageDigest.getInstance("SHA-256").digest(key16));
    }

    @Test
    void eFuseBlocksHoldTheKeyFileReversedOneBlockPerHalfOfAn256BitXtsKey() {
        byte[] file = new byte[64];
        for (int i = 0; i < file.length; i++) {
            file[i] = (byte) i;
        }
        FlashEncryptionKey key = FlashEncryptionKey.parse(Chip.ESP32_S3, file);
        List<byte[]> blocks = key.efuseBlocks();
        assertThat(blocks).hasSize(2);
        assertThat(blocks.get(0)[0]).isEqualTo((byte) 31);
        assertThat(blocks.get(0)[31]).isEqualTo((byte) 0);
        assertThat(blocks.get(1)[0]).isEqualTo((byte) 63);
        assertThat(FlashEncryptionKey.fromEfuseBlocks(Chip.ESP32_S3, blocks)).isEqualTo(key);
        FlashEncryptionKey esp32 = FlashEncryptionKey.parse(Chip.ESP32, Arrays.copyOf(file, 32));
        assertThat(esp32.efuseBlocks()).singleElement().satisfies(b -> assertThat(b[0]).isEqualTo((byte) 31));
    }

    @Test
    void toStringShowsNoKeyBytes() {
        byte[] file = FlashCipherTest.random(32, 3);
        String text = FlashEncryptionKey.parse(Chip.ESP32, file).toString();
        assertThat(text).contains("ESP32_AES_256").doesNotContain(HexFormat.of().formatHex(file, 0, 4))
                .doesNotContain(HexFormat.of().withUpperCase().formatHex(file, 0, 4))
                .doesNotContain(Arrays.toString(file).substring(1, 10));
    }

    @Test
    void readsTheFileEspsecureWrites(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("key.bin");
        byte[] bytes = FlashCipherTest.random(64, 4);
        Files.write(file, bytes);
        FlashEncryptionKey key = FlashEncryptionKey.read(Chip.ESP32_S2, file);
        assertThat(key.keyFile()).isEqualTo(bytes);
        assertThat(key.scheme()).isEqualTo(FlashCryptScheme.XTS_AES_256);
        Files.write(file, new byte[100]);
        assertThatThrownBy(() -> FlashEncryptionKey.read(Chip.ESP32_S2, file))
                .isInstanceOf(FlashEncryptionException.class).hasMessageContaining("larger");
    }

    @Test
    void generatesFullLengthKeysForTheChip() {
        FlashEncryptionKey key = FlashEncryptionKey.generate(Chip.ESP32_S3, FlashCryptScheme.XTS_AES_256, new Random(5));
        assertThat(key.keyFile()).hasSize(64);
        assertThatThrownBy(() -> FlashEncryptionKey.generate(Chip.ESP32_C3, FlashCryptScheme.XTS_AES_256, new Random()))
                .isInstanceOf(FlashEncryptionException.class);
    }
}
