/**
 * {@code image}: inspect ({@code esptool image_info}), sign and verify (Secure Boot V2, {@code espsecure}), encrypt and
 * decrypt (pre-encrypted OTA, {@code esp_enc_img_gen.py}) ESP app and bootloader images.
 */
package dev.flota.bench.host.image;
