package dev.flota.flash.encryption;

import org.bouncycastle.crypto.MultiBlockCipher;

/**
 * Espressif's XTS-AES (spec §1.3): IEEE 1619 XTS over 128-byte data units whose tweak is the unit's flash address
 * (LE32, zero-padded), applied to the byte-reversed unit. So flash block {@code j} of a unit is XTS block {@code 7 - j},
 * with its 16 bytes reversed; no ciphertext stealing, as every length is a multiple of 16.
 */
final class XtsFlashCipher implements FlashCipher {

    private static final int UNIT = 128;
    private static final int BLOCKS_PER_UNIT = UNIT / BLOCK_SIZE;

    private final byte[] key;
    private final int half;

    XtsFlashCipher(byte[] key) {
        this.key = key.clone();
        this.half = key.length / 2;
    }

    @Override
    public FlashCryptScheme scheme() {
        return half == 16 ? FlashCryptScheme.XTS_AES_128 : FlashCryptScheme.XTS_AES_256;
    }

    @Override
    public void encrypt(long address, byte[] data, int offset, int length) {
        transform(true, address, data, offset, length);
    }

    @Override
    public void decrypt(long address, byte[] data, int offset, int length) {
        transform(false, address, data, offset, length);
    }

    /** T0 of the unit at {@code unitBase}: the tweak key's encryption of the address. */
    byte[] initialTweak(long unitBase) {
        return initialTweak(Blocks.aes(true, key, half, half), unitBase);
    }

    private static byte[] initialTweak(MultiBlockCipher tweakCipher, long unitBase) {
        byte[] tweak = new byte[BLOCK_SIZE];
        for (int i = 0; i < 4; i++) {
            tweak[i] = (byte) (unitBase >>> (8 * i));
        }
        tweakCipher.processBlock(tweak, 0, tweak, 0);
        return tweak;
    }

    private void transform(boolean encrypt, long address, byte[] data, int offset, int length) {
        FlashCipher.requireBlocks(address, length);
        MultiBlockCipher aes = Blocks.aes(encrypt, key, 0, half);
        MultiBlockCipher tweakCipher = Blocks.aes(true, key, half, half);
        byte[][] tweaks = null;
        long unit = -1;
        byte[] block = new byte[BLOCK_SIZE];
        for (int at = 0; at < length; at += BLOCK_SIZE) {
            long blockAddress = address + at;
            if ((blockAddress & ~(UNIT - 1L)) != unit) {
                unit = blockAddress & ~(UNIT - 1L);
                tweaks = tweaks(initialTweak(tweakCipher, unit));
            }
            byte[] t = tweaks[BLOCKS_PER_UNIT - 1 - (int) ((blockAddress & (UNIT - 1)) >>> 4)];
            Blocks.reverse16(data, offset + at, block, 0);
            xor(block, t);
            aes.processBlock(block, 0, block, 0);
            xor(block, t);
            Blocks.reverse16(block, 0, data, offset + at);
        }
    }

    /** T0·α^k for k = 0..7, α multiplying a little-endian 128-bit number (the IEEE 1619 tweak sequence). */
    static byte[][] tweaks(byte[] t0) {
        byte[][] tweaks = new byte[BLOCKS_PER_UNIT][];
        tweaks[0] = t0;
        for (int k = 1; k < BLOCKS_PER_UNIT; k++) {
            byte[] previous = tweaks[k - 1];
            byte[] next = new byte[BLOCK_SIZE];
            int carry = 0;
            for (int i = 0; i < BLOCK_SIZE; i++) {
                int b = previous[i] & 0xFF;
                next[i] = (byte) ((b << 1) | carry);
                carry = b >>> 7;
            }
            if (carry != 0) {
                next[0] ^= (byte) 0x87;
            }
            tweaks[k] = next;
        }
        return tweaks;
    }

    private static void xor(byte[] block, byte[] tweak) {
        for (int i = 0; i < BLOCK_SIZE; i++) {
            block[i] ^= tweak[i];
        }
    }
}
