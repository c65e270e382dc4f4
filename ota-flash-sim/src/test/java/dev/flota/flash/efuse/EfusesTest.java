package dev.flota.flash.efuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.efuse.EfuseException.Reason;
import dev.flota.flash.image.Chip;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/** The eFuse model: burn-only bits, write and read protection, and the security fields per chip family. */
class EfusesTest {

    private static final byte[] KEY_A = bytes(0x10);
    private static final byte[] KEY_B = bytes(0x40);
    private static final byte[] KEY_C = bytes(0x70);

    @Test
    void bitsOnlyGoFromZeroToOne() {
        Efuses one = Efuses.blank(Chip.ESP32_C3).burn("SPI_BOOT_CRYPT_CNT", 0b001);
        assertThat(one.burn("SPI_BOOT_CRYPT_CNT", 0b011).get("SPI_BOOT_CRYPT_CNT")).isEqualTo(0b011);
        assertThatThrownBy(() -> one.burn("SPI_BOOT_CRYPT_CNT", 0b010)).isInstanceOfSatisfying(EfuseException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.WOULD_CLEAR_BITS));
        assertThat(one.get("SPI_BOOT_CRYPT_CNT")).as("the refused burn changed nothing").isEqualTo(0b001);
        assertThat(one.burn("SPI_BOOT_CRYPT_CNT", 0b001)).as("burning what is there is a no-op").isEqualTo(one);
        assertThatThrownBy(() -> one.burn("SPI_BOOT_CRYPT_CNT", 0b1000)).isInstanceOfSatisfying(
                EfuseException.class, e -> assertThat(e.reason()).isEqualTo(Reason.VALUE_TOO_WIDE));
        assertThatThrownBy(() -> one.burn("FLASH_CRYPT_CNT", 1)).isInstanceOfSatisfying(EfuseException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.UNKNOWN_FIELD));
    }

    @Test
    void fieldsSitWhereEspefuseHasThem() {
        Efuses c3 = Efuses.blank(Chip.ESP32_C3).burn("SPI_BOOT_CRYPT_CNT", 0b111).burn("SECURE_BOOT_EN", 1)
                .burn("SECURE_BOOT_KEY_REVOKE1", 1).burn("KEY_PURPOSE_2", 9);
        byte[] blk0 = c3.rawBlocks().get(0);
        assertThat(bit(blk0, 82) && bit(blk0, 83) && bit(blk0, 84)).isTrue();
        assertThat(bit(blk0, 116)).isTrue();
        assertThat(bit(blk0, 86)).isTrue();
        assertThat(IntStream.range(96, 100).filter(i -> bit(blk0, i)).toArray()).containsExactly(96, 99);
        assertThat(IntStream.range(0, 256).filter(i -> bit(blk0, i)).count()).isEqualTo(7);

        Efuses esp32 = Efuses.blank(Chip.ESP32).burn("FLASH_CRYPT_CNT", 1).burn("FLASH_CRYPT_CONFIG", 0xF);
        byte[] esp32blk0 = esp32.rawBlocks().get(0);
        assertThat(IntStream.range(0, 256).filter(i -> bit(esp32blk0, i)).toArray())
                .containsExactly(20, 188, 189, 190, 191);
    }

    @Test
    void writeProtectionFreezesAFieldAndItsSharers() {
        Efuses frozen = Efuses.blank(Chip.ESP32_C3).burn("DIS_DOWNLOAD_ICACHE", 1).writeProtect("DIS_PAD_JTAG");
        assertThat(frozen.writeProtected("DIS_DOWNLOAD_MANUAL_ENCRYPT")).as("shares WR_DIS bit 2").isTrue();
        assertThatThrownBy(() -> frozen.burn("DIS_DOWNLOAD_MANUAL_ENCRYPT", 1)).isInstanceOfSatisfying(
                EfuseException.class, e -> assertThat(e.reason()).isEqualTo(Reason.WRITE_PROTECTED));
        assertThat(frozen.burn("SECURE_BOOT_EN", 1).isSet("SECURE_BOOT_EN")).isTrue();
    }

    @Test
    void flashEncryptionKeysAreReadProtectedAndStoredReversed() {
        Efuses c3 = Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(KEY_A);
        assertThat(c3.get("KEY_PURPOSE_0")).isEqualTo(KeyPurpose.XTS_AES_128_KEY.value());
        assertThat(c3.readProtected("BLOCK_KEY0")).isTrue();
        assertThat(c3.bytes("BLOCK_KEY0")).as("software reads zeros").containsOnly(0);
        assertThat(c3.rawBlocks().get(4)).as("raw BLOCK_KEY0 holds the key reversed").isEqualTo(reversed(KEY_A));
        assertThat(c3.security().flashEncryptionKey()).contains(KEY_A);
        assertThat(c3.writeProtected("BLOCK_KEY0") && c3.writeProtected("KEY_PURPOSE_0")).isTrue();

        byte[] key512 = new byte[64];
        System.arraycopy(KEY_B, 0, key512, 0, 32);
        System.arraycopy(KEY_C, 0, key512, 32, 32);
        Efuses s3 = Efuses.blank(Chip.ESP32_S3).security().burnFlashEncryptionKey(key512);
        assertThat(s3.get("KEY_PURPOSE_0")).isEqualTo(KeyPurpose.XTS_AES_256_KEY_1.value());
        assertThat(s3.get("KEY_PURPOSE_1")).isEqualTo(KeyPurpose.XTS_AES_256_KEY_2.value());
        assertThat(s3.security().flashEncryptionKey()).contains(key512);
        assertThatThrownBy(() -> Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(key512))
                .isInstanceOfSatisfying(EfuseException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.VALUE_TOO_WIDE));

        Efuses esp32 = Efuses.blank(Chip.ESP32).security().burnFlashEncryptionKey(KEY_A);
        assertThat(esp32.rawBlocks().get(1)).isEqualTo(reversed(KEY_A));
        assertThat(esp32.bytes("BLOCK1")).containsOnly(0);
        assertThat(esp32.security().flashEncryptionKey()).contains(KEY_A);
    }

    @Test
    void secureBootDigestsTakeFreeKeyBlocksAndRevocationHidesThem() {
        Efuses c3 = Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(KEY_C);
        c3 = c3.security().burnSecureBootDigest(KEY_A).security().burnSecureBootDigest(KEY_B);
        assertThat(c3.get("KEY_PURPOSE_1")).isEqualTo(KeyPurpose.SECURE_BOOT_DIGEST0.value());
        assertThat(c3.get("KEY_PURPOSE_2")).isEqualTo(KeyPurpose.SECURE_BOOT_DIGEST1.value());
        assertThat(c3.bytes("BLOCK_KEY1")).as("digests are neither reversed nor read-protected").isEqualTo(KEY_A);
        assertThat(c3.security().trustedDigests()).containsExactly(KEY_A, KEY_B);

        Efuses revoked = c3.security().revoke(0);
        List<Optional<byte[]>> slots = revoked.security().secureBootDigests();
        assertThat(slots.get(0)).isEmpty();
        assertThat(slots.get(1)).hasValueSatisfying(d -> assertThat(d).isEqualTo(KEY_B));
        assertThat(slots.get(2)).isEmpty();
        assertThatThrownBy(() -> revoked.security().revoke(0).security().burnSecureBootDigest(KEY_C)
                .security().burnSecureBootDigest(KEY_C)).isInstanceOfSatisfying(EfuseException.class,
                        e -> assertThat(e.reason()).isEqualTo(Reason.NO_FREE_KEY_BLOCK));
        Efuses readProtected = c3.readProtect("BLOCK_KEY1");
        assertThat(readProtected.security().trustedDigests().get(0)).as("a read-protected digest reads as zeros")
                .containsOnly(0);
    }

    @Test
    void esp32AndC2HaveOneSlotAndNoRevocation() {
        Efuses esp32 = Efuses.blank(Chip.ESP32).security().burnSecureBootDigest(KEY_A);
        assertThat(esp32.security().trustedDigests()).containsExactly(KEY_A);
        assertThat(esp32.rawBlocks().get(2)).isEqualTo(KEY_A);
        assertThatThrownBy(() -> esp32.security().burnSecureBootDigest(KEY_B)).isInstanceOf(EfuseException.class);
        assertThatThrownBy(() -> esp32.security().revoke(0)).isInstanceOfSatisfying(EfuseException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.NOT_SUPPORTED));

        Efuses c2 = Efuses.blank(Chip.ESP32_C2).security().burnSecureBootDigest(KEY_A);
        assertThat(c2.security().trustedDigests()).singleElement().satisfies(d -> assertThat(d)
                .isEqualTo(java.util.Arrays.copyOf(KEY_A, 16)));
    }

    @Test
    void secureVersionIsAThermometerAndTheBlockRevisionBurnsOnlyUp() {
        Efuses c3 = Efuses.blank(Chip.ESP32_C3).security().burnSecureVersion(3);
        assertThat(c3.get("SECURE_VERSION")).isEqualTo(0b111);
        assertThat(c3.security().burnSecureVersion(1)).as("never lowered").isEqualTo(c3);
        assertThat(c3.security().secureVersionBits()).isEqualTo(16);
        assertThat(Efuses.blank(Chip.ESP32).security().secureVersionBits()).isEqualTo(32);
        assertThatThrownBy(() -> c3.security().burnSecureVersion(17)).isInstanceOf(EfuseException.class);

        Efuses rev = Efuses.blank(Chip.ESP32_S3).security().burnBlockRevision(102);
        assertThat(rev.security().blockRevision()).isEqualTo(102);
        assertThat(rev.security().burnBlockRevision(103).security().blockRevision()).isEqualTo(103);
        assertThatThrownBy(() -> rev.security().burnBlockRevision(101)).isInstanceOfSatisfying(EfuseException.class,
                e -> assertThat(e.reason()).isEqualTo(Reason.WOULD_CLEAR_BITS));
        assertThatThrownBy(() -> Efuses.blank(Chip.ESP32).security().burnBlockRevision(100))
                .isInstanceOfSatisfying(EfuseException.class, e -> assertThat(e.reason())
                        .isEqualTo(Reason.NOT_SUPPORTED));
    }

    @Test
    void secureFeaturesAndReleaseMode() {
        Efuses c3 = SecureFeatures.enableSecureBoot(Efuses.blank(Chip.ESP32_C3), true);
        for (String name : List.of("SECURE_BOOT_EN", "SECURE_BOOT_AGGRESSIVE_REVOKE", "ENABLE_SECURITY_DOWNLOAD",
                "DIS_DIRECT_BOOT", "DIS_PAD_JTAG", "DIS_USB_JTAG")) {
            assertThat(c3.isSet(name)).as(name).isTrue();
        }
        assertThat(c3.writeProtected("RD_DIS")).isTrue();
        assertThat(c3.isSet("DIS_DOWNLOAD_MANUAL_ENCRYPT")).isFalse();
        assertThat(SecureFeatures.release(c3).isSet("DIS_DOWNLOAD_MANUAL_ENCRYPT")).isTrue();
        Efuses esp32 = SecureFeatures.release(SecureFeatures.enableSecureBoot(Efuses.blank(Chip.ESP32), false));
        for (String name : List.of("ABS_DONE_1", "JTAG_DISABLE", "CONSOLE_DEBUG_DISABLE", "DISABLE_DL_ENCRYPT",
                "DISABLE_DL_DECRYPT", "DISABLE_DL_CACHE")) {
            assertThat(esp32.isSet(name)).as(name).isTrue();
        }
        assertThatThrownBy(() -> SecureFeatures.enableSecureBoot(Efuses.blank(Chip.ESP32), true))
                .isInstanceOf(EfuseException.class);
    }

    @Test
    void rawBlocksRoundTrip() {
        Efuses burned = Efuses.blank(Chip.ESP32_C6).security().burnSecureBootDigest(KEY_A).burn("SECURE_BOOT_EN", 1);
        assertThat(Efuses.of(Chip.ESP32_C6, burned.rawBlocks())).isEqualTo(burned);
        assertThat(HexFormat.of().formatHex(burned.rawBlocks().get(4))).isEqualTo(HexFormat.of().formatHex(KEY_A));
    }

    private static boolean bit(byte[] block, int index) {
        return (block[index / 8] >> (index % 8) & 1) != 0;
    }

    private static byte[] bytes(int first) {
        byte[] out = new byte[32];
        for (int i = 0; i < 32; i++) {
            out[i] = (byte) (first + i);
        }
        return out;
    }

    private static byte[] reversed(byte[] in) {
        byte[] out = new byte[in.length];
        for (int i = 0; i < in.length; i++) {
            out[i] = in[in.length - 1 - i];
        }
        return out;
    }
}
