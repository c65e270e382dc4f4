package dev.flota.flash.encryption;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.FlashEncryptionVectors;
import dev.flota.flash.testing.FlashEncryptionVectors.Row;
import dev.flota.flash.testing.FlashEncryptionVectors.Scheme;
import dev.flota.flash.testing.VectorFiles;
import dev.flota.flash.testing.Vectors;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of {@code flash_encryption/MANIFEST.md}, Espressif's own espsecure vectors among them: the ciphertext
 * from the plaintext, the plaintext back from the ciphertext, and for a {@code .dec} row the decrypted view of raw
 * erased flash. Each row's scheme and address are also coded here, so a row the manifest reader misreads fails.
 */
class FlashEncryptionVectorsTest {

    private static final Map<String, String> EXPECTED = Map.ofEntries(
            Map.entry("esp32_app_template.0x10000.enc.bin", "ESP32 0x10000 conf 0xf"),
            Map.entry("pt_factory_ota2_4MB.0x8000.enc.bin", "ESP32 0x8000 conf 0xf"),
            Map.entry("pt_factory_ota2_4MB.sector.0x8000.enc.bin", "ESP32 0x8000 conf 0xf"),
            Map.entry("otadata_otatool_switch_ota0_ota1.0xd000.enc.bin", "ESP32 0xd000 conf 0xf"),
            Map.entry("esp32/ff_4096.0x110000.enc.bin", "ESP32 0x110000 conf 0xf"),
            Map.entry("esp32/ff_4096.0x110000.dec.bin", "ESP32 0x110000 conf 0xf dec"),
            Map.entry("esp32c3_hello_world.0x10000.enc.bin", "XTS_AES_128 0x10000"),
            Map.entry("esp32c3_hello_world.0x20000.enc.bin", "XTS_AES_128 0x20000"),
            Map.entry("real_esp32c3_partition-table.0x8000.enc.bin", "XTS_AES_128 0x8000"),
            Map.entry("otadata_seq3_pendingverify_seq2_valid.0xd000.enc.bin", "XTS_AES_128 0xd000"),
            Map.entry("xts128/ff_4096.0x110000.enc.bin", "XTS_AES_128 0x110000"),
            Map.entry("xts128/ff_4096.0x110000.dec.bin", "XTS_AES_128 0x110000 dec"),
            Map.entry("esp32s2_blink.0x20000.enc.bin", "XTS_AES_256 0x20000"),
            Map.entry("esp32s2_blink.0x10000.enc.bin", "XTS_AES_256 0x10000"),
            Map.entry("pt_flags_encrypted_readonly.sector.0x8000.enc.bin", "XTS_AES_256 0x8000"),
            Map.entry("otadata_otatool_switch_ota0.0x10000.enc.bin", "XTS_AES_256 0x10000"),
            Map.entry("xts256/ff_4096.0x1a0000.dec.bin", "XTS_AES_256 0x1a0000 dec"),
            Map.entry("bootloader-encrypted.bin", "ESP32 0x1000 conf 0xf"),
            Map.entry("bootloader-encrypted-conf0.bin", "ESP32 0x1000 conf 0x0"),
            Map.entry("bootloader-encrypted-conf3.bin", "ESP32 0x1000 conf 0x3"),
            Map.entry("bootloader-encrypted-conf9.bin", "ESP32 0x1000 conf 0x9"),
            Map.entry("bootloader-encrypted-confc.bin", "ESP32 0x1000 conf 0xc"),
            Map.entry("bootloader-encrypted-aes-xts.bin", "XTS_AES_128 0x1000"),
            Map.entry("hello-world-signed-encrypted.bin", "ESP32 0x20000 conf 0xf"),
            Map.entry("hello-world-signed-encrypted-aes-xts.bin", "XTS_AES_128 0x20000"),
            Map.entry("hello-world-signed-encrypted-aes-xts-256.bin", "XTS_AES_256 0x10000"));

    static List<Row> rows() {
        return FlashEncryptionVectors.rows();
    }

    @Test
    void theManifestHasTheTwentySixRowsCodedHere() {
        assertThat(rows()).hasSize(26).hasSize(EXPECTED.size());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyRowIsReproducedInBothDirections(Row row) {
        String coded = EXPECTED.entrySet().stream()
                .filter(e -> row.file().endsWith("/" + e.getKey())).map(Map.Entry::getValue).findFirst()
                .orElseThrow(() -> new AssertionError("no coded expectation for " + row.file()));
        String read = row.scheme() + String.format(" 0x%x", row.address())
                + (row.scheme() == Scheme.ESP32 ? String.format(" conf 0x%x", row.flashCryptConfig()) : "")
                + (row.decryptedView() ? " dec" : "");
        assertThat(read).as("scheme and address of %s", row.file()).isEqualTo(coded);

        byte[] vector = VectorFiles.checked(new dev.flota.flash.testing.Manifest.Row(row.section(), row.file(),
                row.bytes(), row.sha256(), ""));
        byte[] input = Vectors.bytes(row.input());
        if (row.inputSha256() != null) {
            assertThat(VectorFiles.sha256(input)).as("SHA-256 of %s", row.input()).isEqualTo(row.inputSha256());
        }
        FlashCipher cipher = FlashCipher.of(key(row), row.flashCryptConfig());
        assertThat(cipher.scheme().name()).isEqualTo(row.scheme() == Scheme.ESP32 ? "ESP32_AES_256"
                : row.scheme().name());

        byte[] plaintext = row.decryptedView() ? vector : input;
        byte[] ciphertext = row.decryptedView() ? input : vector;
        assertSameBytes(cipher.encrypt(row.address(), plaintext), ciphertext, "ciphertext of " + row.file());
        assertSameBytes(cipher.decrypt(row.address(), ciphertext), plaintext, "plaintext of " + row.file());
    }

    /**
     * The flash operations the device is built from, on a simulated chip: an {@code .enc} row is what the first-boot
     * pass ({@link EncryptedFlash#encryptInPlace}) makes of its plaintext at that address, and reads back as it; a
     * {@code .dec} row is what a decrypted read of raw erased flash returns.
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void theFlashOperationsGiveTheVectorsBytes(Row row) {
        byte[] vector = Vectors.bytes(row.file());
        byte[] input = Vectors.bytes(row.input());
        long size = (row.address() + input.length + 0xFFFF) & ~0xFFFFL;
        NorFlash flash = NorFlash.create(FlashStorage.inMemory(size), FlashConfig.defaults().timing(FlashTiming.instant()));
        EncryptedFlash encrypted = EncryptedFlash.of(flash, FlashCipher.of(key(row), row.flashCryptConfig()));
        if (row.decryptedView()) {
            assertSameBytes(encrypted.read(row.address(), input.length), vector, "decrypted view of " + row.input());
            return;
        }
        flash.program(row.address(), input);
        encrypted.encryptInPlace(row.address(), input.length);
        assertSameBytes(flash.read(row.address(), vector.length), vector, "raw flash after first boot");
        assertSameBytes(encrypted.read(row.address(), input.length), input, "decrypted read after first boot");
    }

    @Test
    void theFirstBlocksMatchTheManifestsIntermediateValues() {
        Row app = rows().stream().filter(r -> r.file().endsWith("esp32_app_template.0x10000.enc.bin")).findFirst()
                .orElseThrow();
        byte[] vector = Vectors.bytes(app.file());
        assertThat(HexFormat.of().formatHex(vector, 0, 32))
                .isEqualTo("432d4afaf6f15140ac45441ef91fae3a95a8ee2b6d8a01af17d413593ab03afe");
    }

    @Test
    void aTableSectorBeginsWithTheTableFilesCiphertext() {
        byte[] sector = Vectors.bytes("flash_encryption/esp32/pt_factory_ota2_4MB.sector.0x8000.enc.bin");
        byte[] table = Vectors.bytes("flash_encryption/esp32/pt_factory_ota2_4MB.0x8000.enc.bin");
        assertThat(Arrays.copyOf(sector, table.length)).isEqualTo(table);
    }

    private static FlashEncryptionKey key(Row row) {
        Chip chip = switch (row.scheme()) {
            case ESP32 -> Chip.ESP32;
            case XTS_AES_128 -> Chip.ESP32_C3;
            case XTS_AES_256 -> Chip.ESP32_S2;
        };
        return FlashEncryptionKey.parse(chip, Vectors.bytes(row.key()));
    }

    /** Compares without dumping half a megabyte on failure: the first differing offset is what helps. */
    private static void assertSameBytes(byte[] actual, byte[] expected, String what) {
        assertThat(actual.length).as("length of %s", what).isEqualTo(expected.length);
        int mismatch = Arrays.mismatch(actual, expected);
        assertThat(mismatch).as("first differing offset of %s", what).isEqualTo(-1);
    }
}
