package dev.flota.flash.encryption;

import dev.flota.flash.EspError;
import dev.flota.flash.image.Chip;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * A flash-encryption key as {@code espsecure generate-flash-encryption-key} writes it (spec §1.4), with the scheme its
 * length selects on a chip. The key file order is the order the cipher uses; the eFuse blocks hold it byte-reversed
 * ({@link #efuseBlocks()}). {@link #toString()} never shows key bytes.
 */
public final class FlashEncryptionKey {

    private static final int EFUSE_BLOCK = 32;

    private final FlashCryptScheme scheme;
    private final byte[] keyFile;
    private final byte[] cipherKey;

    private FlashEncryptionKey(FlashCryptScheme scheme, byte[] keyFile) {
        this.scheme = scheme;
        this.keyFile = keyFile.clone();
        this.cipherKey = expand(keyFile);
    }

    /** The key in {@code keyFile} (its raw bytes) for {@code chip}; its length picks the scheme. */
    public static FlashEncryptionKey parse(Chip chip, byte[] keyFile) {
        Objects.requireNonNull(keyFile, "keyFile");
        return new FlashEncryptionKey(FlashCryptScheme.forKeyFile(chip, keyFile.length), keyFile);
    }

    /** Reads a key file from disk, see {@link #parse}. */
    public static FlashEncryptionKey read(Chip chip, Path keyFile) {
        try {
            if (Files.size(keyFile) > 64) {
                throw new FlashEncryptionException(EspError.ESP_ERR_INVALID_SIZE, keyFile
                        + " is larger than any flash-encryption key file (64 bytes)");
            }
            return parse(chip, Files.readAllBytes(keyFile));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the flash-encryption key " + keyFile, e);
        }
    }

    /**
     * A random key of the scheme's full length, as the bootloader generates at first boot when no key is burned
     * ({@code CRYPT_CNT} 0).
     */
    public static FlashEncryptionKey generate(Chip chip, FlashCryptScheme scheme, Random random) {
        if (!FlashCryptScheme.of(chip).contains(scheme)) {
            throw new FlashEncryptionException(EspError.ESP_ERR_NOT_SUPPORTED,
                    chip.displayName() + " has no " + scheme);
        }
        byte[] key = new byte[scheme.keyLength()];
        random.nextBytes(key);
        return new FlashEncryptionKey(scheme, key);
    }

    /**
     * The key read back from eFuse blocks in their raw (reversed) order: one block, or the {@code XTS_AES_256_KEY_1}
     * block then the {@code _2} block. The inverse of {@link #efuseBlocks()}.
     */
    public static FlashEncryptionKey fromEfuseBlocks(Chip chip, List<byte[]> blocks) {
        byte[] keyFile = new byte[blocks.stream().mapToInt(b -> b.length).sum()];
        int at = 0;
        for (byte[] block : blocks) {
            System.arraycopy(reversed(block), 0, keyFile, at, block.length);
            at += block.length;
        }
        return parse(chip, keyFile);
    }

    public FlashCryptScheme scheme() {
        return scheme;
    }

    /** The key file's bytes, as {@code espsecure} and {@code espefuse burn-key} read them. */
    public byte[] keyFile() {
        return keyFile.clone();
    }

    /**
     * The raw eFuse contents {@code espefuse burn-key} writes: the key file byte-reversed, one 32-byte block per half of
     * an XTS-AES-256 key (data key first, {@code XTS_AES_256_KEY_1}); 24 bytes for an ESP32 3/4-coded key.
     */
    public List<byte[]> efuseBlocks() {
        List<byte[]> blocks = new ArrayList<>();
        for (int at = 0; at < keyFile.length; at += EFUSE_BLOCK) {
            blocks.add(reversed(Arrays.copyOfRange(keyFile, at, Math.min(keyFile.length, at + EFUSE_BLOCK))));
        }
        return blocks;
    }

    /** The key the cipher runs with: the key file, extended as espsecure extends 24- and 16-byte files. */
    byte[] cipherKey() {
        return cipherKey;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FlashEncryptionKey other && scheme == other.scheme
                && MessageDigest.isEqual(keyFile, other.keyFile);
    }

    @Override
    public int hashCode() {
        return scheme.hashCode() * 31 + keyFile.length;
    }

    @Override
    public String toString() {
        return "FlashEncryptionKey[" + scheme + ", " + keyFile.length + "-byte key file]";
    }

    private static byte[] expand(byte[] keyFile) {
        return switch (keyFile.length) {
            case 24 -> {
                byte[] key = Arrays.copyOf(keyFile, 32);
                System.arraycopy(keyFile, 8, key, 24, 8);
                yield key;
            }
            case 16 -> sha256(keyFile);
            default -> keyFile.clone();
        };
    }

    private static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static byte[] reversed(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }
}
