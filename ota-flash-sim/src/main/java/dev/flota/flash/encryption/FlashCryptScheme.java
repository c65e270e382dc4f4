package dev.flota.flash.encryption;

import dev.flota.flash.EspError;
import dev.flota.flash.image.Chip;
import java.util.EnumSet;
import java.util.Set;

/**
 * The flash-encryption algorithms of the ESP32 family (spec {@code device_security.md} §1.1): ESP32's AES-256 whose
 * key changes with every 32-byte row ({@code FLASH_CRYPT_CONFIG} picks which key bits take the address), and
 * XTS-AES over 128-byte data units with a 128-bit or 256-bit data key.
 */
public enum FlashCryptScheme {
    /** ESP32: AES-256, the key tweaked by address bits 5..23 (espsecure without {@code --aes-xts}). */
    ESP32_AES_256(32, 32),
    /** XTS-AES-128: a 32-byte key, data key then tweak key ({@code XTS_AES_128_KEY}). */
    XTS_AES_128(32, 128),
    /** XTS-AES-256: a 64-byte key, data key then tweak key ({@code XTS_AES_256_KEY_1}, {@code _2}). */
    XTS_AES_256(64, 128);

    private final int keyLength;
    private final int unitSize;

    FlashCryptScheme(int keyLength, int unitSize) {
        this.keyLength = keyLength;
        this.unitSize = unitSize;
    }

    /** Bytes of key the cipher uses (after espsecure's extension of a short key file). */
    public int keyLength() {
        return keyLength;
    }

    /** Bytes that share one key or tweak: the 32-byte row of ESP32, the 128-byte XTS data unit. */
    public int unitSize() {
        return unitSize;
    }

    /**
     * The schemes {@code chip} supports with eFuse keys (CAPS {@code SOC_FLASH_ENCRYPTION_XTS_AES_*}); empty for a
     * chip this package does not model. C5's XTS-AES-256 needs the Key Manager, which is not modelled.
     */
    public static Set<FlashCryptScheme> of(Chip chip) {
        return switch (chip) {
            case ESP32 -> EnumSet.of(ESP32_AES_256);
            case ESP32_S2, ESP32_S3, ESP32_P4 -> EnumSet.of(XTS_AES_128, XTS_AES_256);
            case ESP32_C2, ESP32_C3, ESP32_C5, ESP32_C6, ESP32_C61, ESP32_H2 -> EnumSet.of(XTS_AES_128);
            default -> EnumSet.noneOf(FlashCryptScheme.class);
        };
    }

    /**
     * The scheme a key file of {@code length} bytes selects on {@code chip}: 32 bytes (or 24, the 3/4 coding scheme)
     * on ESP32; 32 bytes XTS-AES-128 and 64 bytes XTS-AES-256 where the chip has both; 16 bytes on ESP32-C2 (the
     * derived key, SHA-256 of the file).
     */
    public static FlashCryptScheme forKeyFile(Chip chip, int length) {
        Set<FlashCryptScheme> schemes = of(chip);
        if (schemes.isEmpty()) {
            throw new FlashEncryptionException(EspError.ESP_ERR_NOT_SUPPORTED,
                    "no flash-encryption scheme is modelled for " + chip.displayName());
        }
        FlashCryptScheme scheme = switch (length) {
            case 24 -> chip == Chip.ESP32 ? ESP32_AES_256 : null;
            case 16 -> chip == Chip.ESP32_C2 ? XTS_AES_128 : null;
            case 32 -> chip == Chip.ESP32 ? ESP32_AES_256 : XTS_AES_128;
            case 64 -> XTS_AES_256;
            default -> null;
        };
        if (scheme == null || !schemes.contains(scheme)) {
            throw new FlashEncryptionException(EspError.ESP_ERR_INVALID_SIZE, String.format(
                    "a %d-byte flash-encryption key file does not fit %s (it takes %s)", length,
                    chip.displayName(), keyFileLengths(chip)));
        }
        return scheme;
    }

    private static String keyFileLengths(Chip chip) {
        return switch (chip) {
            case ESP32 -> "32 bytes, or 24 with the 3/4 coding scheme";
            case ESP32_C2 -> "32 bytes, or 16 for the SHA-256 derived key";
            case ESP32_S2, ESP32_S3, ESP32_P4 -> "32 bytes for XTS-AES-128 or 64 bytes for XTS-AES-256";
            default -> "32 bytes";
        };
    }
}
