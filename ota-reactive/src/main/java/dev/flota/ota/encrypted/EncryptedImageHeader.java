package dev.flota.ota.encrypted;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The 512-byte header of an {@code esp_encrypted_img} file: magic, 384 bytes of key material (the RSA-wrapped AES key,
 * or the ECC server point and HKDF salt), the 16-byte GCM IV, the plaintext size and the GCM tag. Reserved bytes are
 * kept as read but never used, as the device ignores them.
 */
public final class EncryptedImageHeader {

    public static final int SIZE = 512;
    /** {@code 0x0788B6CF}, little-endian at offset 0. */
    public static final int MAGIC = 0x0788B6CF;
    static final int KEY_AT = 4;
    static final int KEY_SIZE = 384;
    static final int IV_AT = 388;
    static final int IV_SIZE = 16;
    static final int BIN_SIZE_AT = 404;
    static final int TAG_AT = 408;
    static final int TAG_SIZE = 16;

    private final byte[] bytes;

    private EncryptedImageHeader(byte[] bytes) {
        this.bytes = bytes;
    }

    /** Parses the first 512 bytes of {@code header}. */
    public static EncryptedImageHeader parse(byte[] header) {
        if (header.length < SIZE) {
            throw new DecryptException(DecryptError.HEADER_TRUNCATED,
                    "pre-encrypted image header needs 512 bytes, got " + header.length);
        }
        EncryptedImageHeader parsed = new EncryptedImageHeader(Arrays.copyOf(header, SIZE));
        if (!hasMagic(header)) {
            throw new DecryptException(DecryptError.BAD_MAGIC, String.format(
                    "not a pre-encrypted image: magic 0x%08x, expected 0x%08x", parsed.magic(), MAGIC));
        }
        return parsed;
    }

    /** True when the first four bytes are the magic; false also when fewer than four are given. */
    public static boolean hasMagic(byte[] prefix) {
        return prefix.length >= 4 && ByteBuffer.wrap(prefix, 0, 4).order(ByteOrder.LITTLE_ENDIAN).getInt() == MAGIC;
    }

    static EncryptedImageHeader of(byte[] keyMaterial, byte[] iv, long binSize, byte[] tag) {
        ByteBuffer out = ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN);
        out.putInt(MAGIC).put(keyMaterial).put(iv).putInt((int) binSize).put(tag);
        return new EncryptedImageHeader(out.array());
    }

    public byte[] encode() {
        return bytes.clone();
    }

    public int magic() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(0);
    }

    /** The 384 key-material bytes: the RSA ciphertext of the AES key, or the ECC point, salt and reserved bytes. */
    public byte[] keyMaterial() {
        return Arrays.copyOfRange(bytes, KEY_AT, KEY_AT + KEY_SIZE);
    }

    /** ECC scheme: the server's ephemeral P-256 point, X then Y, big-endian (64 bytes). */
    public byte[] serverPoint() {
        return Arrays.copyOfRange(bytes, KEY_AT, KEY_AT + 64);
    }

    /** ECC scheme: the HKDF salt (32 bytes). */
    public byte[] hkdfSalt() {
        return Arrays.copyOfRange(bytes, KEY_AT + 64, KEY_AT + 96);
    }

    public byte[] iv() {
        return Arrays.copyOfRange(bytes, IV_AT, IV_AT + IV_SIZE);
    }

    /** Plaintext length, which is also the payload length. */
    public long binSize() {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getInt(BIN_SIZE_AT) & 0xFFFFFFFFL;
    }

    public byte[] tag() {
        return Arrays.copyOfRange(bytes, TAG_AT, TAG_AT + TAG_SIZE);
    }
}
