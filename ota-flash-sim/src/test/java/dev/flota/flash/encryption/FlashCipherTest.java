package dev.flota.flash.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.image.Chip;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/**
 * The transform without the vector files: the intermediate values the flash_encryption MANIFEST publishes for its
 * test keys (coded here), and properties that hold for any key and data.
 */
class FlashCipherTest {

    private static final HexFormat HEX = HexFormat.of();
    static final byte[] ESP32_KEY = HEX.parseHex("67fd0741fffc39e868f657157cca9dd4423dbc0f774868671309fcf43778389f");
    static final byte[] XTS128_KEY = HEX.parseHex("785d58b1c52919e442a1c407d0e66b1217e9fdd9e576cf26b18937c9ccd90f5b");
    static final byte[] XTS256_KEY = HEX.parseHex("bc276e214b639e44646cdb0a259f1ec9e99d58cb979a922a1edd5e11b8308f96"
            + "2d74c9558176419b95403317ae4e26890c20cf5709807d7b959abd56cc7318d9");

    @Test
    void esp32RowKeysTakeTheAddressBitsTheConfigEnables() {
        Esp32FlashCipher conf15 = (Esp32FlashCipher) FlashCipher.of(esp32Key());
        Esp32FlashCipher conf3 = (Esp32FlashCipher) FlashCipher.of(esp32Key(), 0x3);
        assertThat(HEX.formatHex(conf15.rowKey(0x10000)))
                .isEqualTo("66fd0761fff839e868d657117cca1dd4422dbc0d774828671329fcf03778b89f");
        assertThat(HEX.formatHex(conf15.rowKey(0x10020)))
                .isEqualTo("66fd2761fbf8396848d653117c4a1dc4522dbe0d7708286f3329f8f037f8b88e");
        assertThat(HEX.formatHex(conf3.rowKey(0x10020)))
                .isEqualTo("66fd2761fbf8396848d653117c4a1dc4523dbc0f774868671309fcf43778389f");
        assertThat(HEX.formatHex(conf15.rowKey(0x8000)))
                .isEqualTo("677d0751fffe39e868e657177ccaddd44235bc0e774848671319fcf63778789f");
        assertThat(HEX.formatHex(conf15.rowKey(0x110000)))
                .isEqualTo("76fd0561ffb839e86ad657517cc21dd4432dbc2d774c28671129fcb03770b89f");
    }

    @Test
    void esp32AppHeaderEncryptsToTheManifestsCiphertext() {
        byte[] plain = HEX.parseHex("e90502207c160840ee00000000000000008f0100000000012000403f0c8c0100");
        assertThat(HEX.formatHex(FlashCipher.of(esp32Key()).encrypt(0x10000, plain)))
                .isEqualTo("432d4afaf6f15140ac45441ef91fae3a95a8ee2b6d8a01af17d413593ab03afe");
    }

    @Test
    void xtsTweaksAreTheManifestsT0AndT7() {
        XtsFlashCipher xts128 = (XtsFlashCipher) FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_C3, XTS128_KEY));
        byte[] t0 = xts128.initialTweak(0x10000);
        assertThat(HEX.formatHex(t0)).isEqualTo("72ddbdffac1e38bcb2112f559fb3c573");
        assertThat(HEX.formatHex(XtsFlashCipher.tweaks(t0)[7])).isEqualTo("2fa5eede7f560f1c5ed98897aacfd9e2");
        XtsFlashCipher xts256 = (XtsFlashCipher) FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_S2, XTS256_KEY));
        byte[] t0of256 = xts256.initialTweak(0x20000);
        assertThat(HEX.formatHex(t0of256)).isEqualTo("dd7526b7d44a3824ab1a88f82b27d4a2");
        assertThat(HEX.formatHex(XtsFlashCipher.tweaks(t0of256)[7])).isEqualTo("b7c73a935b6a251c92550d44fc95136a");
    }

    @Test
    void xtsAppHeadersEncryptToTheManifestsCiphertext() {
        byte[] c3 = HEX.parseHex("e906022fe0033840ee0000000500030000000000000000012000023cc0980000");
        assertThat(HEX.formatHex(FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_C3, XTS128_KEY)).encrypt(0x10000, c3)))
                .isEqualTo("e81ae590b31e5ecfb0ede04052bbef8dbcc0f0cdcb0f9ee5a4b2418cfe021b94");
        byte[] s2 = HEX.parseHex("e906021f842f0240ee0000000200000000000000000000012000003f188c0000");
        assertThat(HEX.formatHex(FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_S2, XTS256_KEY)).encrypt(0x20000, s2)))
                .isEqualTo("4e7522142ff59bfea8bdc7227808bb56bce87ea466105e474dd1963ac35fb08f");
    }

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void decryptionUndoesEncryptionAndChangesEveryBlock(FlashCryptScheme scheme) {
        FlashCipher cipher = cipher(scheme, 1);
        byte[] plain = random(8192, 2);
        long address = 0x123450;
        byte[] encrypted = cipher.encrypt(address, plain);
        assertThat(cipher.decrypt(address, encrypted)).isEqualTo(plain);
        for (int at = 0; at < plain.length; at += 16) {
            assertThat(Arrays.equals(encrypted, at, at + 16, plain, at, at + 16)).as("block at %d", at).isFalse();
        }
    }

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void anAlignedSliceEncryptsToTheSliceOfTheWhole(FlashCryptScheme scheme) {
        FlashCipher cipher = cipher(scheme, 3);
        byte[] plain = random(4096, 4);
        byte[] whole = cipher.encrypt(0x20000, plain);
        for (int offset : new int[] {16, 48, 112, 1008, 2000 & ~15}) {
            byte[] slice = Arrays.copyOfRange(plain, offset, offset + 48);
            assertThat(cipher.encrypt(0x20000 + offset, slice)).as("slice at %d", offset)
                    .isEqualTo(Arrays.copyOfRange(whole, offset, offset + 48));
        }
    }

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void theSameDataAtAnotherAddressDiffersInEveryUnit(FlashCryptScheme scheme) {
        FlashCipher cipher = cipher(scheme, 5);
        byte[] plain = random(1024, 6);
        int unit = scheme.unitSize();
        byte[] here = cipher.encrypt(0x10000, plain);
        for (long other : new long[] {0x10000 + unit, 0x20000, 0x10000 + (1L << 23)}) {
            byte[] there = cipher.encrypt(other, plain);
            for (int at = 0; at < plain.length; at += unit) {
                assertThat(Arrays.equals(here, at, at + unit, there, at, at + unit))
                        .as("unit %d at 0x%x", at, other).isFalse();
            }
        }
    }

    @Test
    void esp32RepeatsEvery16MegabytesAndPairsEqualBlocksInARow() {
        FlashCipher cipher = cipher(FlashCryptScheme.ESP32_AES_256, 7);
        byte[] erased = new byte[4096];
        Arrays.fill(erased, (byte) 0xFF);
        byte[] low = cipher.encrypt(0x110000, erased);
        assertThat(cipher.encrypt(0x110000 + (1L << 24), erased)).isEqualTo(low);
        for (int row = 0; row < low.length; row += 32) {
            assertThat(Arrays.copyOfRange(low, row, row + 16)).isEqualTo(Arrays.copyOfRange(low, row + 16, row + 32));
        }
        assertThat(Arrays.stream(blocks(low)).distinct().count()).isEqualTo(128);
    }

    @Test
    void esp32ConfigZeroIsOneKeyEverywhere() {
        FlashCipher ecb = FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32, random(32, 8)), 0);
        byte[] erased = new byte[1024];
        Arrays.fill(erased, (byte) 0xFF);
        assertThat(Arrays.stream(blocks(ecb.encrypt(0x1000, erased))).distinct().count()).isEqualTo(1);
    }

    @Test
    void xtsGivesEqualBlocksOfAUnitDifferentCiphertext() {
        FlashCipher cipher = cipher(FlashCryptScheme.XTS_AES_128, 9);
        byte[] erased = new byte[4096];
        Arrays.fill(erased, (byte) 0xFF);
        assertThat(Arrays.stream(blocks(cipher.encrypt(0x110000, erased))).distinct().count()).isEqualTo(256);
    }

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void refusesUnalignedAddressesAndLengths(FlashCryptScheme scheme) {
        FlashCipher cipher = cipher(scheme, 10);
        assertThatThrownBy(() -> cipher.encrypt(0x10008, new byte[16]))
                .isInstanceOfSatisfying(FlashEncryptionException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_INVALID_ARG))
                .hasMessageContaining("16 bytes aligned");
        assertThatThrownBy(() -> cipher.decrypt(0x10000, new byte[20]))
                .isInstanceOfSatisfying(FlashEncryptionException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_INVALID_SIZE));
        assertThat(cipher.encrypt(0x10000, new byte[0])).isEmpty();
    }

    @Test
    void flashCryptConfigIsEsp32Only() {
        FlashEncryptionKey xts = FlashEncryptionKey.parse(Chip.ESP32_C3, random(32, 11));
        assertThatThrownBy(() -> FlashCipher.of(xts, 0x3)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("ESP32 only");
        assertThatThrownBy(() -> FlashCipher.of(esp32Key(), 0x10)).isInstanceOf(IllegalArgumentException.class);
    }

    static FlashCipher cipher(FlashCryptScheme scheme, long seed) {
        Chip chip = switch (scheme) {
            case ESP32_AES_256 -> Chip.ESP32;
            case XTS_AES_128 -> Chip.ESP32_C3;
            case XTS_AES_256 -> Chip.ESP32_S3;
        };
        return FlashCipher.of(FlashEncryptionKey.parse(chip, random(scheme.keyLength(), seed)));
    }

    private static FlashEncryptionKey esp32Key() {
        return FlashEncryptionKey.parse(Chip.ESP32, ESP32_KEY);
    }

    static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static String[] blocks(byte[] data) {
        String[] blocks = new String[data.length / 16];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = HEX.formatHex(data, i * 16, i * 16 + 16);
        }
        return blocks;
    }
}
