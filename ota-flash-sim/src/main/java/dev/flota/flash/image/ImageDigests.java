package dev.flota.flash.image;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The running sums {@code esp_image_verify} keeps while it reads an image: the XOR checksum of the segment data, seeded
 * with {@code ESP_ROM_CHECKSUM_INITIAL} (0xEF), and the SHA-256 of the bytes it hashes, with a SHA-384 beside it when
 * the Secure Boot V2 policy needs one. Kept apart from {@link ImageVerifier} so that its parser reads as stages, while
 * the eight-bytes-at-a-time XOR and the mid-stream digest snapshots live in one place. Not thread-safe.
 */
final class ImageDigests {

    /** The XOR checksum eight bytes at a time (byte order is irrelevant to XOR). */
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final int CHECKSUM_SEED = 0xEF;

    private final MessageDigest sha256 = digest("SHA-256");
    private final MessageDigest sha384;
    private long xorWide;
    private int xorBytes = CHECKSUM_SEED;

    ImageDigests(boolean withSha384) {
        this.sha384 = withSha384 ? digest("SHA-384") : null;
    }

    /** Hashes the remaining bytes of {@code data}, consuming them. */
    void hash(ByteBuffer data) {
        if (sha384 != null) {
            sha384.update(data.duplicate());
        }
        sha256.update(data);
    }

    void hash(byte value) {
        sha256.update(value);
        if (sha384 != null) {
            sha384.update(value);
        }
    }

    /** XORs the remaining bytes of {@code data} into the checksum, leaving its position alone. */
    void checksum(ByteBuffer data) {
        ByteBuffer view = data.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        long wide = xorWide;
        if (view.hasArray()) {
            byte[] array = view.array();
            int at = view.arrayOffset() + view.position();
            int end = at + (view.remaining() & ~7);
            for (; at < end; at += Long.BYTES) {
                wide ^= (long) LONGS.get(array, at);
            }
            view.position(end - view.arrayOffset());
        } else {
            while (view.remaining() >= Long.BYTES) {
                wide ^= view.getLong();
            }
        }
        xorWide = wide;
        int narrow = xorBytes;
        while (view.hasRemaining()) {
            narrow ^= view.get() & 0xFF;
        }
        xorBytes = narrow;
    }

    /** The checksum byte of everything XORed so far. */
    int checksum() {
        long w = xorWide;
        w ^= w >>> 32;
        w ^= w >>> 16;
        w ^= w >>> 8;
        return (int) ((w ^ xorBytes) & 0xFF);
    }

    /** The SHA-256 of everything hashed so far; hashing can go on. */
    byte[] sha256() {
        return clone(sha256).digest();
    }

    /** The SHA-384 of everything hashed so far, or null when none is kept. */
    byte[] sha384() {
        return sha384 != null ? clone(sha384).digest() : null;
    }

    private static MessageDigest digest(String algorithm) {
        try {
            return MessageDigest.getInstance(algorithm);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(algorithm + " is part of every JDK", e);
        }
    }

    private static MessageDigest clone(MessageDigest md) {
        try {
            return (MessageDigest) md.clone();
        } catch (CloneNotSupportedException e) {
            throw new IllegalStateException("the JDK's SHA-2 digests are cloneable", e);
        }
    }
}
