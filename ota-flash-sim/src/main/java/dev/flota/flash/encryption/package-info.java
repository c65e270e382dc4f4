/**
 * ESP flash encryption as the chip applies it, byte-exact with {@code espsecure encrypt-flash-data}: the schemes
 * ({@link dev.flota.flash.encryption.FlashCryptScheme}: ESP32's AES-256 with the address key tweak, XTS-AES-128 and
 * XTS-AES-256), the key file and its eFuse byte order ({@link dev.flota.flash.encryption.FlashEncryptionKey}), the
 * transform ({@link dev.flota.flash.encryption.FlashCipher}), which regions ESP-IDF keeps encrypted
 * ({@link dev.flota.flash.encryption.EncryptedRegions}) and encrypts on first boot
 * ({@link dev.flota.flash.encryption.FirstBootEncryption}), and the flash operations on top of them: decrypted reads
 * and 16-byte encrypted writes ({@link dev.flota.flash.encryption.EncryptedFlash}), {@code esp_ota_write}'s tail
 * buffer ({@link dev.flota.flash.encryption.OtaWriteBuffer}).
 *
 * <p>Nothing here reads eFuses or knows the device: the caller says which key, scheme and layout apply.
 */
package dev.flota.flash.encryption;
