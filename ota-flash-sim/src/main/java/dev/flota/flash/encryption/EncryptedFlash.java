package dev.flota.flash.encryption;

import dev.flota.flash.nor.NorFlash;
import java.util.Objects;

/**
 * A {@link NorFlash} seen through the flash-encryption block: {@link #read} decrypts as the cache does (any address and
 * length), {@link #write} is {@code esp_flash_write_encrypted} (16-aligned, a NOR program of the ciphertext), and
 * {@link #encryptInPlace} is the bootloader's {@code esp_flash_encrypt_region}. Raw access stays on the flash itself.
 * Raw erased flash read here is the decryption of 0xFF, not 0xFF; whether an address is encrypted at all is the
 * caller's question ({@link EncryptedRegions}).
 */
public final class EncryptedFlash {

    private final NorFlash flash;
    private final FlashCipher cipher;

    private EncryptedFlash(NorFlash flash, FlashCipher cipher) {
        this.flash = Objects.requireNonNull(flash, "flash");
        this.cipher = Objects.requireNonNull(cipher, "cipher");
    }

    public static EncryptedFlash of(NorFlash flash, FlashCipher cipher) {
        return new EncryptedFlash(flash, cipher);
    }

    public NorFlash flash() {
        return flash;
    }

    public FlashCipher cipher() {
        return cipher;
    }

    /** Reads and decrypts; the 16-byte blocks around an unaligned range are read whole, as the cache does. */
    public void read(long address, byte[] into, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, into.length);
        if (length == 0) {
            return;
        }
        long start = address & ~(FlashCipher.BLOCK_SIZE - 1L);
        long end = (address + length + FlashCipher.BLOCK_SIZE - 1) & ~(FlashCipher.BLOCK_SIZE - 1L);
        if (start == address && end == address + length) {
            flash.read(address, into, offset, length);
            cipher.decrypt(address, into, offset, length);
            return;
        }
        byte[] blocks = flash.read(start, (int) (end - start));
        cipher.decrypt(start, blocks, 0, blocks.length);
        System.arraycopy(blocks, (int) (address - start), into, offset, length);
    }

    public byte[] read(long address, int length) {
        byte[] bytes = new byte[length];
        read(address, bytes, 0, length);
        return bytes;
    }

    /**
     * {@code esp_flash_write_encrypted}: encrypts {@code length} bytes for {@code address} and programs the ciphertext
     * (1→0 only, so the range must be erased). The address must be 16-aligned ({@code ESP_ERR_INVALID_ARG}) and the
     * length a multiple of 16 ({@code ESP_ERR_INVALID_SIZE}); 0 bytes is a no-op. {@code data} is left unchanged.
     */
    public void write(long address, byte[] data, int offset, int length) {
        Objects.checkFromIndexSize(offset, length, data.length);
        FlashCipher.requireBlocks(address, length);
        if (length == 0) {
            return;
        }
        byte[] ciphertext = new byte[length];
        System.arraycopy(data, offset, ciphertext, 0, length);
        cipher.encrypt(address, ciphertext, 0, length);
        flash.program(address, ciphertext, 0, length);
    }

    public void write(long address, byte[] data) {
        write(address, data, 0, data.length);
    }

    /**
     * {@code esp_flash_encrypt_region}: for each 4 KiB sector from {@code address} (sector aligned) until
     * {@code length} is covered, reads the plaintext, erases the sector and writes it back encrypted. Erased bytes
     * become ciphertext of 0xFF, which reads back as 0xFF. A power cut in between leaves that sector as the flash
     * left it: erased, or partly programmed.
     */
    public void encryptInPlace(long address, long length) {
        if (address % NorFlash.SECTOR_SIZE != 0) {
            throw new IllegalArgumentException(String.format(
                    "esp_flash_encrypt_region bad src_addr 0x%x (not sector aligned)", address));
        }
        byte[] sector = new byte[NorFlash.SECTOR_SIZE];
        for (long done = 0; done < length; done += NorFlash.SECTOR_SIZE) {
            long at = address + done;
            flash.read(at, sector, 0, sector.length);
            flash.eraseSector(at);
            cipher.encrypt(at, sector, 0, sector.length);
            flash.program(at, sector, 0, sector.length);
        }
    }

    @Override
    public String toString() {
        return "EncryptedFlash[" + cipher.scheme() + "]";
    }
}
