package dev.flota.ota.encrypted;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Objects;

/**
 * The AES-256 keys one device key recovers from pre-encrypted images' headers, the last one remembered. A server keeps
 * one encrypted file for every device that holds the key, so a fleet updating from it pays the key agreement (an ECDH
 * on P-256 or an RSA-3072 decryption, about a millisecond) once rather than once per device; a header that differs in
 * any byte is derived afresh. Thread-safe. Neither key appears in {@link #toString()}.
 */
public final class ImageKeys {

    private record Remembered(byte[] header, byte[] aesKey) {
    }

    private final DecryptionKey key;
    private volatile Remembered last;

    private ImageKeys(DecryptionKey key) {
        this.key = Objects.requireNonNull(key, "key");
    }

    public static ImageKeys of(DecryptionKey key) {
        return new ImageKeys(key);
    }

    public DecryptionKey key() {
        return key;
    }

    /** The AES key of the image with this header. */
    byte[] aesKey(EncryptedImageHeader header) {
        byte[] bytes = header.encode();
        Remembered remembered = last;
        if (remembered != null && Arrays.equals(remembered.header(), bytes)) {
            return remembered.aesKey().clone();
        }
        byte[] aesKey = key.aesKey(header);
        last = new Remembered(bytes, aesKey.clone());
        return aesKey;
    }

    /** Whether the header made of {@code prefix} then the first bytes of {@code rest} is the one remembered. */
    boolean remembers(byte[] prefix, int prefixLength, ByteBuffer rest) {
        Remembered remembered = last;
        if (remembered == null || prefixLength + rest.remaining() < EncryptedImageHeader.SIZE
                || !Arrays.equals(remembered.header(), 0, prefixLength, prefix, 0, prefixLength)) {
            return false;
        }
        return rest.slice(rest.position(), EncryptedImageHeader.SIZE - prefixLength)
                .equals(ByteBuffer.wrap(remembered.header(), prefixLength, EncryptedImageHeader.SIZE - prefixLength));
    }

    @Override
    public String toString() {
        return "ImageKeys[" + key.scheme() + ", keys hidden]";
    }
}
