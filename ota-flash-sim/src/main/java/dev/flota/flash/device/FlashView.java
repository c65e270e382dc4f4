package dev.flota.flash.device;

import dev.flota.flash.efuse.SecurityEfuses;
import dev.flota.flash.encryption.EncryptedFlash;
import dev.flota.flash.encryption.EncryptedRegions;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.encryption.FlashEncryptionKey;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import java.util.Objects;
import java.util.Optional;

/**
 * A device's flash as its software reads and writes it. With flash encryption on ({@code CRYPT_CNT} odd and a key in
 * eFuse) the cache decrypts: the bootloader and the partition table are read decrypted, {@code esp_partition_read} of
 * a partition {@code is_partition_encrypted} names decrypts and {@code esp_partition_write} to it encrypts (16-byte
 * units); every other partition, raw reads and erases go to the {@link NorFlash} as they are. With flash encryption
 * off every access is raw. Immutable; {@link Device#flashView()} gives the one for the device's current eFuses.
 */
public final class FlashView {

    private final NorFlash flash;
    private final Optional<EncryptedFlash> encrypted;

    private FlashView(NorFlash flash, Optional<EncryptedFlash> encrypted) {
        this.flash = Objects.requireNonNull(flash, "flash");
        this.encrypted = encrypted;
    }

    /** The view of {@code flash} on a device with these properties. */
    public static FlashView of(NorFlash flash, DeviceProperties properties) {
        SecurityEfuses security = properties.efuses().security();
        if (!security.flashEncryptionEnabled()) {
            return new FlashView(flash, Optional.empty());
        }
        Optional<byte[]> key = security.flashEncryptionKey();
        if (key.isEmpty()) {
            return new FlashView(flash, Optional.empty());
        }
        return new FlashView(flash, Optional.of(EncryptedFlash.of(flash, cipher(properties.chip(), key.get(),
                security.flashCryptConfig()))));
    }

    /** A view with no encryption: every access raw. */
    public static FlashView raw(NorFlash flash) {
        return new FlashView(flash, Optional.empty());
    }

    /**
     * The cipher of a key file on {@code chip}; ESP32 with its {@code FLASH_CRYPT_CONFIG} as burned (0: no tweak,
     * plain AES-ECB, as the hardware does before the bootloader raises it to 0xF).
     */
    static FlashCipher cipher(Chip chip, byte[] keyFile, int flashCryptConfig) {
        FlashEncryptionKey key = FlashEncryptionKey.parse(chip, keyFile);
        return chip == Chip.ESP32 ? FlashCipher.of(key, flashCryptConfig) : FlashCipher.of(key);
    }

    public NorFlash raw() {
        return flash;
    }

    /** Flash encryption is on: the cache decrypts. */
    public boolean encryptionOn() {
        return encrypted.isPresent();
    }

    /** The flash seen through the encryption block, while flash encryption is on. */
    public Optional<EncryptedFlash> encryptedFlash() {
        return encrypted;
    }

    /** {@code esp_partition_t.encrypted}: flash encryption is on and the partition is of a kind it covers. */
    public boolean isEncrypted(Partition partition) {
        return encrypted.isPresent() && EncryptedRegions.isEncrypted(partition);
    }

    /** A read through the cache (the ROM loading the bootloader, the bootloader reading the table): decrypted. */
    public void read(long address, byte[] into, int offset, int length) {
        if (encrypted.isPresent()) {
            encrypted.get().read(address, into, offset, length);
        } else {
            flash.read(address, into, offset, length);
        }
    }

    public byte[] read(long address, int length) {
        byte[] bytes = new byte[length];
        read(address, bytes, 0, length);
        return bytes;
    }

    /** {@code esp_partition_read} at flash {@code address} inside {@code partition}. */
    public void read(Partition partition, long address, byte[] into, int offset, int length) {
        if (isEncrypted(partition)) {
            encrypted.get().read(address, into, offset, length);
        } else {
            flash.read(address, into, offset, length);
        }
    }

    /**
     * {@link #read(Partition, long, byte[], int, int)} handing the bytes to {@code reader}: decrypted into
     * {@code scratch} where the cache decrypts, else as
     * {@link NorFlash#read(long, int, byte[], NorFlash.StoredBytes)} lends them.
     */
    public void read(Partition partition, long address, int length, byte[] scratch, NorFlash.StoredBytes reader) {
        if (isEncrypted(partition)) {
            encrypted.get().read(address, scratch, 0, length);
            reader.accept(scratch, 0, length);
        } else {
            flash.read(address, length, scratch, reader);
        }
    }

    public byte[] read(Partition partition, long address, int length) {
        byte[] bytes = new byte[length];
        read(partition, address, bytes, 0, length);
        return bytes;
    }

    /**
     * {@code esp_partition_write} at flash {@code address} inside {@code partition}: encrypted (16-aligned, 16-byte
     * multiples, else a {@code FlashEncryptionException}) when the partition is encrypted, else a plain program.
     */
    public void write(Partition partition, long address, byte[] data, int offset, int length) {
        if (isEncrypted(partition)) {
            encrypted.get().write(address, data, offset, length);
        } else {
            flash.program(address, data, offset, length);
        }
    }

    public void write(Partition partition, long address, byte[] data) {
        write(partition, address, data, 0, data.length);
    }

    @Override
    public String toString() {
        return "FlashView[" + encrypted.map(e -> e.cipher().scheme().toString()).orElse("plaintext") + "]";
    }
}
