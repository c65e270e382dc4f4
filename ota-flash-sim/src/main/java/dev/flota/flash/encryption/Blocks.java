package dev.flota.flash.encryption;

import org.bouncycastle.crypto.MultiBlockCipher;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.params.KeyParameter;

/** The pieces both schemes share: the AES block primitive and the 16-byte reversal Espressif applies around it. */
final class Blocks {

    private Blocks() {
    }

    static MultiBlockCipher aes(boolean encrypt, byte[] key, int offset, int length) {
        MultiBlockCipher aes = AESEngine.newInstance();
        aes.init(encrypt, new KeyParameter(key, offset, length));
        return aes;
    }

    /** Copies 16 bytes from {@code from} into {@code to}, last byte first. */
    static void reverse16(byte[] from, int fromOffset, byte[] to, int toOffset) {
        for (int i = 0; i < FlashCipher.BLOCK_SIZE; i++) {
            to[toOffset + i] = from[fromOffset + FlashCipher.BLOCK_SIZE - 1 - i];
        }
    }
}
