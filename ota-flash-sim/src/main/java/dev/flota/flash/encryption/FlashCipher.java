package dev.flota.flash.encryption;

import dev.flota.flash.EspError;

/**
 * The flash-encryption transform of one key at flash addresses: what the chip's encryption block writes and what the
 * cache decrypts, byte-identical with {@code espsecure encrypt-flash-data} and {@code decrypt-flash-data}. Every
 * 16-byte block depends only on its own address, so any 16-aligned slice transforms to the matching slice of a whole
 * region. Thread-safe.
 *
 * <p>Built on Bouncy Castle's AES engine (ECB, one block at a time): the JDK has no XTS, and Bouncy Castle's only XTS
 * ({@code KXTSBlockCipher}) is DSTU 7624's, while Espressif's is IEEE 1619 XTS over 128-byte units addressed by the
 * flash address and byte-reversed (spec §1.3); ESP32's scheme is no standard mode at all (spec §1.2).
 */
public sealed interface FlashCipher permits Esp32FlashCipher, XtsFlashCipher {

    /** The unit of every transform: addresses and lengths are multiples of it. */
    int BLOCK_SIZE = 16;

    /** {@code FLASH_CRYPT_CONFIG} as the bootloader leaves it when it was 0: every key range tweaked. */
    int DEFAULT_FLASH_CRYPT_CONFIG = 0xF;

    /** The cipher of {@code key}; on ESP32 with {@code FLASH_CRYPT_CONFIG} 0xF. */
    static FlashCipher of(FlashEncryptionKey key) {
        return of(key, DEFAULT_FLASH_CRYPT_CONFIG);
    }

    /**
     * The cipher of {@code key}; {@code flashCryptConfig} (0..15, the ESP32 eFuse {@code FLASH_CRYPT_CONFIG}) says
     * which key ranges take the address on ESP32 and must be the default for XTS keys, which have no such setting.
     */
    static FlashCipher of(FlashEncryptionKey key, int flashCryptConfig) {
        if (flashCryptConfig < 0 || flashCryptConfig > 0xF) {
            throw new IllegalArgumentException("FLASH_CRYPT_CONFIG is 4 bits, got " + flashCryptConfig);
        }
        if (key.scheme() == FlashCryptScheme.ESP32_AES_256) {
            return new Esp32FlashCipher(key.cipherKey(), flashCryptConfig);
        }
        if (flashCryptConfig != DEFAULT_FLASH_CRYPT_CONFIG) {
            throw new IllegalArgumentException("FLASH_CRYPT_CONFIG applies to ESP32 only, not to " + key.scheme());
        }
        return new XtsFlashCipher(key.cipherKey());
    }

    FlashCryptScheme scheme();

    /** Encrypts {@code length} bytes of plaintext in place, as they are to be held at flash {@code address}. */
    void encrypt(long address, byte[] data, int offset, int length);

    /** Decrypts {@code length} bytes held at flash {@code address} in place, as the cache reads them. */
    void decrypt(long address, byte[] data, int offset, int length);

    default byte[] encrypt(long address, byte[] plaintext) {
        byte[] out = plaintext.clone();
        encrypt(address, out, 0, out.length);
        return out;
    }

    default byte[] decrypt(long address, byte[] ciphertext) {
        byte[] out = ciphertext.clone();
        decrypt(address, out, 0, out.length);
        return out;
    }

    /**
     * Refuses what {@code esp_flash_write_encrypted} refuses: an address that is not 16-aligned
     * ({@code ESP_ERR_INVALID_ARG}) or a length that is not a multiple of 16 ({@code ESP_ERR_INVALID_SIZE}).
     */
    static void requireBlocks(long address, long length) {
        if (address < 0 || address % BLOCK_SIZE != 0) {
            throw new FlashEncryptionException(EspError.ESP_ERR_INVALID_ARG, String.format(
                    "flash encrypted write address must be 16 bytes aligned, got 0x%x", address));
        }
        if (length < 0 || length % BLOCK_SIZE != 0) {
            throw new FlashEncryptionException(EspError.ESP_ERR_INVALID_SIZE, String.format(
                    "flash encrypted length must be a multiple of 16 bytes, got %d", length));
        }
        if (address + length > 0x1_0000_0000L) {
            throw new FlashEncryptionException(EspError.ESP_ERR_INVALID_ARG, String.format(
                    "0x%x bytes at 0x%x pass the 32-bit flash address space", length, address));
        }
    }
}
