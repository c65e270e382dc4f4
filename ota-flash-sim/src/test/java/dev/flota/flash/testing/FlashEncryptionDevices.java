package dev.flota.flash.testing;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashEncryptionConfig;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.encryption.FlashEncryptionKey;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import java.util.Map;
import java.util.Random;

/**
 * Flash-encryption devices for tests: a key burned into eFuse and the bootloader built for flash encryption, so the
 * first boot encrypts the plaintext flash; raw flashes laid out byte for byte; the cipher a device uses.
 */
public final class FlashEncryptionDevices {

    /** A fixed 32-byte key file for generated-data tests. */
    public static final byte[] KEY_32 = key(32, 1);
    /** A fixed 64-byte (XTS-AES-256) key file. */
    public static final byte[] KEY_64 = key(64, 2);

    private FlashEncryptionDevices() {
    }

    /** {@code base} with {@code keyFile} burned as {@code espefuse burn-key} does, flash encryption configured. */
    public static DeviceProperties withKey(DeviceProperties base, byte[] keyFile, FlashEncryptionConfig config) {
        return base.withEfuses(base.efuses().security().burnFlashEncryptionKey(keyFile)).withFlashEncryption(config);
    }

    /** {@link #withKey} in development mode. */
    public static DeviceProperties withKey(DeviceProperties base, byte[] keyFile) {
        return withKey(base, keyFile, FlashEncryptionConfig.developmentMode());
    }

    /** An ESP32-C3 over {@code flash}, powered on with {@link #KEY_32} burned, flash encryption in development mode. */
    public static Device esp32c3(NorFlash flash) {
        Device device = Device.poweredOn(flash, withKey(DeviceProperties.of(Chip.ESP32_C3), KEY_32));
        if (!device.properties().flashEncryptionEnabled()) {
            throw new IllegalStateException("flash encryption is not enabled on " + device.properties());
        }
        return device;
    }

    /** {@code length} bytes of erased flash: 0xFF. */
    public static byte[] erased(int length) {
        byte[] bytes = new byte[length];
        java.util.Arrays.fill(bytes, (byte) 0xFF);
        return bytes;
    }

    /** A blank in-memory flash of {@code size} bytes with each byte array programmed raw at its address. */
    public static NorFlash flash(long size, Map<Long, byte[]> contents) {
        NorFlash flash = NorFlash.create(FlashStorage.inMemory(size), FlashConfig.defaults()
                .timing(FlashTiming.instant()));
        contents.forEach(flash::program);
        return flash;
    }

    /** The cipher of the key in {@code device}'s eFuses, with its {@code FLASH_CRYPT_CONFIG} on ESP32. */
    public static FlashCipher cipher(Device device) {
        DeviceProperties p = device.properties();
        FlashEncryptionKey key = FlashEncryptionKey.parse(p.chip(), p.efuses().security().flashEncryptionKey()
                .orElseThrow());
        return p.chip() == Chip.ESP32 ? FlashCipher.of(key, p.efuses().security().flashCryptConfig())
                : FlashCipher.of(key);
    }

    /** {@code plaintext} as the device holds it at {@code address}, padded with 0xFF to 16 bytes. */
    public static byte[] ciphertext(Device device, long address, byte[] plaintext) {
        byte[] padded = java.util.Arrays.copyOf(plaintext, (plaintext.length + 15) / 16 * 16);
        java.util.Arrays.fill(padded, plaintext.length, padded.length, (byte) 0xFF);
        return cipher(device).encrypt(address, padded);
    }

    private static byte[] key(int length, long seed) {
        byte[] key = new byte[length];
        new Random(seed).nextBytes(key);
        return key;
    }
}
