package dev.flota.flash.device;

import dev.flota.flash.encryption.FirstBootEncryption;

/**
 * The bootloader's flash-encryption Kconfig, {@code CONFIG_SECURE_FLASH_ENC_ENABLED} being set: what its first boot on
 * a plaintext device does (spec §1.6).
 *
 * @param release                        {@code CONFIG_SECURE_FLASH_ENCRYPTION_MODE_RELEASE}: burn every
 *                                       {@code CRYPT_CNT} bit and the release restrictions; else development mode,
 *                                       one more bit
 * @param aes256                         {@code CONFIG_SECURE_FLASH_ENCRYPTION_AES256}: a key generated at first boot
 *                                       is XTS-AES-256 where the chip has it (S2, S3, P4); ESP32 is always AES-256
 * @param onlyImageLengthInAppPartitions {@code CONFIG_SECURE_FLASH_ENCRYPT_ONLY_IMAGE_LEN_IN_APP_PART} (default since
 *                                       ESP-IDF v5.3): app partitions are encrypted up to their image, not whole
 */
public record FlashEncryptionConfig(boolean release, boolean aes256, boolean onlyImageLengthInAppPartitions) {

    /** Development mode, ESP-IDF v5.3+ defaults. */
    public static FlashEncryptionConfig developmentMode() {
        return new FlashEncryptionConfig(false, false, true);
    }

    /** Release mode, ESP-IDF v5.3+ defaults. */
    public static FlashEncryptionConfig releaseMode() {
        return new FlashEncryptionConfig(true, false, true);
    }

    public FlashEncryptionConfig withAes256(boolean value) {
        return new FlashEncryptionConfig(release, value, onlyImageLengthInAppPartitions);
    }

    FirstBootEncryption.Options firstBootOptions() {
        return new FirstBootEncryption.Options(onlyImageLengthInAppPartitions, false);
    }

    /** The sidecar value: {@code development} or {@code release}. */
    String modeName() {
        return release ? "release" : "development";
    }
}
