package dev.flota.ota.encrypted;

import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.IvParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * AES-256-GCM decryption that releases plaintext as it streams, at close to AES-CTR speed, with public JDK APIs only.
 *
 * <p>The JDK's GCM decrypt holds all plaintext until {@code doFinal}, and Bouncy Castle's streams at about 0.15 GB/s.
 * Here the keystream comes from AES/CTR starting at inc32(J0); GCM increments only the low 32 bits of the counter, so
 * where those wrap the CTR cipher is restarted with the upper 96 bits kept, exactly as GCM does. The tag is recomputed
 * by GCM-encrypting the recovered plaintext with the same key and IV (which reproduces the ciphertext and its GHASH)
 * and compared at the end. The JDK's GCM encrypt streams and uses the CPU's AES and carry-less multiply instructions.
 */
final class GcmStreamDecryptor {

    private static final long BLOCKS_PER_WRAP = 1L << 32;

    /**
     * Plaintext is produced in pieces of at most this size into a per-thread scratch array that stays in the CPU's
     * cache, then copied to its destination: AES/CTR into a cache-resident array runs about twice as fast as in place
     * over a cold chunk, which lifts the whole decrypt by about a tenth for 4 KiB chunks.
     */
    private static final int PIECE = 64 * 1024;

    /**
     * The plaintext scratch and the tag cipher's re-encrypted output (discarded). Per thread rather than per decryptor,
     * so 10,000 concurrent updates do not each hold chunk-sized arrays.
     */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final byte[] plain = new byte[PIECE];
        final byte[] discard = new byte[PIECE + 16];
    }

    private final SecretKeySpec key;
    private final Cipher ctr;
    private final Cipher tagCipher;
    private final byte[] counterHigh;
    private volatile TagLane lane;
    private final long wrapAt;
    private long position;

    GcmStreamDecryptor(byte[] aesKey, byte[] iv) {
        this(aesKey, iv, 0);
    }

    /**
     * A decryptor whose keystream starts at plaintext offset {@code start} (a multiple of 16); the tag state is that
     * of nothing yet, to be brought up to {@code start} with {@link #absorb}.
     */
    GcmStreamDecryptor(byte[] aesKey, byte[] iv, long start) {
        if (start < 0 || start % 16 != 0) {
            throw new IllegalArgumentException("a resumed GCM stream starts on a block boundary, not at " + start);
        }
        try {
            key = new SecretKeySpec(aesKey, "AES");
            Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
            ecb.init(Cipher.ENCRYPT_MODE, key);
            byte[] counter = Ghash.j0(ecb.doFinal(new byte[16]), iv);
            long low = ByteBuffer.wrap(counter).getInt(12) & 0xFFFFFFFFL;
            low = (low + 1) & 0xFFFFFFFFL;
            ByteBuffer.wrap(counter).putInt(12, (int) low);
            counterHigh = Arrays.copyOf(counter, 12);
            wrapAt = (BLOCKS_PER_WRAP - low) * 16;
            long blocks = start / 16;
            long at = start < wrapAt ? low + blocks : blocks - (BLOCKS_PER_WRAP - low);
            ByteBuffer.wrap(counter).putInt(12, (int) at);
            ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(counter));
            position = start;
            tagCipher = Cipher.getInstance("AES/GCM/NoPadding");
            tagCipher.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, iv));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM is part of every JDK", e);
        }
    }

    /**
     * Decrypts all remaining bytes of {@code in} into {@code out} at {@code offset}. {@code out} may be {@code in}'s own
     * backing array at {@code in}'s position: decryption in place.
     */
    void decrypt(ByteBuffer in, byte[] out, int offset) {
        Scratch scratch = SCRATCH.get();
        try {
            while (in.hasRemaining()) {
                int n = Math.min(in.remaining(), PIECE);
                if (position < wrapAt && position + n > wrapAt) {
                    n = (int) (wrapAt - position);
                } else if (position == wrapAt) {
                    ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(Arrays.copyOf(counterHigh, 16)));
                }
                int produced = keystream(in, n, scratch.plain);
                if (produced != n) {
                    throw new IllegalStateException("CTR returned " + produced + " of " + n + " bytes");
                }
                if (lane == null) {
                    tagCipher.update(scratch.plain, 0, n, scratch.discard, 0);
                } else {
                    lane.add(scratch.plain, 0, n);
                }
                System.arraycopy(scratch.plain, 0, out, offset, n);
                offset += n;
                position += n;
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed on a valid key", e);
        }
    }

    /** XORs the next {@code n} bytes of {@code in} with the keystream into {@code plain}, advancing {@code in}. */
    private int keystream(ByteBuffer in, int n, byte[] plain) throws GeneralSecurityException {
        if (in.hasArray()) {
            int done = ctr.update(in.array(), in.arrayOffset() + in.position(), n, plain, 0);
            in.position(in.position() + n);
            return done;
        }
        ByteBuffer piece = in.duplicate();
        piece.limit(piece.position() + n);
        int done = ctr.update(piece, ByteBuffer.wrap(plain, 0, n));
        in.position(in.position() + n);
        return done;
    }

    /**
     * Feeds plaintext already decrypted before {@link #position()} (by an earlier run, now in flash) to the tag state
     * only: re-encrypting it reproduces the ciphertext and its GHASH, so the tag at the end covers the whole image.
     */
    void absorb(byte[] plaintext, int offset, int length) {
        try {
            feedTag(tagCipher, plaintext, offset, length);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on a valid key", e);
        }
    }

    /** From now on the tag pass runs on the {@link TagLane}; call {@link #release()} if the stream is abandoned. */
    void offloadTag() {
        if (lane == null) {
            lane = new TagLane(tagCipher);
        }
    }

    /** Gives back what the tag lane holds for a stream that will not reach {@link #verify}. */
    void release() {
        if (lane != null) {
            lane.release();
        }
    }

    /** Feeds plaintext to the tag cipher, whose output (the ciphertext again) is discarded. */
    static void feedTag(Cipher cipher, byte[] bytes, int offset, int length) throws GeneralSecurityException {
        byte[] discard = SCRATCH.get().discard;
        for (int at = offset; at < offset + length; at += PIECE) {
            int n = Math.min(PIECE, offset + length - at);
            cipher.update(bytes, at, n, discard, 0);
        }
    }

    /** True when {@code expectedTag} authenticates everything decrypted. Call once, at the end. */
    boolean verify(byte[] expectedTag) {
        try {
            if (lane != null) {
                lane.complete();
            }
            byte[] last = tagCipher.doFinal();
            byte[] tag = Arrays.copyOfRange(last, last.length - 16, last.length);
            return MessageDigest.isEqual(tag, expectedTag);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES-GCM failed on a valid key", e);
        }
    }

    long position() {
        return position;
    }
}
