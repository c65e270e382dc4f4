package dev.flota.flash.encryption;

import org.bouncycastle.crypto.MultiBlockCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * ESP32's scheme (spec §1.2): AES-256 with a key that changes every 32 bytes. Key bit {@code i} (MSB first) is XORed
 * with address bit {@code PATTERN[i]} where {@code FLASH_CRYPT_CONFIG} enables its range; the hardware runs AES
 * "inverted", so flash ciphertext is the AES decryption of the byte-reversed plaintext, reversed.
 */
final class Esp32FlashCipher implements FlashCipher {

    private static final int ROW = 32;
    /** First key bit of each {@code FLASH_CRYPT_CONFIG} range (bit0 .. bit3), and the end. */
    private static final int[] RANGE_START = {0, 67, 132, 195, 256};
    private static final int[] PATTERN = pattern();

    private final byte[] key;
    /** For each address bit 5..23, the key bits it flips under this {@code FLASH_CRYPT_CONFIG}. */
    private final byte[][] addressBitMasks = new byte[24][];

    Esp32FlashCipher(byte[] key, int flashCryptConfig) {
        this.key = key.clone();
        for (int bit = 0; bit < addressBitMasks.length; bit++) {
            addressBitMasks[bit] = new byte[key.length];
        }
        for (int range = 0; range < 4; range++) {
            if ((flashCryptConfig & (1 << range)) == 0) {
                continue;
            }
            for (int i = RANGE_START[range]; i < RANGE_START[range + 1]; i++) {
                addressBitMasks[PATTERN[i]][i >>> 3] |= (byte) (0x80 >>> (i & 7));
            }
        }
    }

    @Override
    public FlashCryptScheme scheme() {
        return FlashCryptScheme.ESP32_AES_256;
    }

    @Override
    public void encrypt(long address, byte[] data, int offset, int length) {
        transform(false, address, data, offset, length);
    }

    @Override
    public void decrypt(long address, byte[] data, int offset, int length) {
        transform(true, address, data, offset, length);
    }

    /** The AES key of the 32-byte row at {@code rowBase}: the key with the masks of its set address bits. */
    byte[] rowKey(long rowBase) {
        byte[] k = key.clone();
        for (int bit = 5; bit < addressBitMasks.length; bit++) {
            if (((rowBase >>> bit) & 1) != 0) {
                byte[] mask = addressBitMasks[bit];
                for (int j = 0; j < k.length; j++) {
                    k[j] ^= mask[j];
                }
            }
        }
        return k;
    }

    private void transform(boolean aesEncrypt, long address, byte[] data, int offset, int length) {
        FlashCipher.requireBlocks(address, length);
        byte[] block = new byte[BLOCK_SIZE];
        byte[] out = new byte[BLOCK_SIZE];
        MultiBlockCipher aes = AESEngine.newInstance();
        long row = -1;
        for (int at = 0; at < length; at += BLOCK_SIZE) {
            long blockAddress = address + at;
            if ((blockAddress & ~(ROW - 1L)) != row) {
                row = blockAddress & ~(ROW - 1L);
                aes.init(aesEncrypt, new KeyParameter(rowKey(row)));
            }
            Blocks.reverse16(data, offset + at, block, 0);
            aes.processBlock(block, 0, out, 0);
            Blocks.reverse16(out, 0, data, offset + at);
        }
    }

    /** [23..5] three times then [14..5]; the same with 12, 10 and 8: 67 + 65 + 63 + 61 = 256 entries. */
    private static int[] pattern() {
        int[] pattern = new int[256];
        int i = 0;
        for (int tail : new int[] {14, 12, 10, 8}) {
            for (int repeat = 0; repeat < 3; repeat++) {
                for (int bit = 23; bit >= 5; bit--) {
                    pattern[i++] = bit;
                }
            }
            for (int bit = tail; bit >= 5; bit--) {
                pattern[i++] = bit;
            }
        }
        return pattern;
    }
}
