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
     * Where the tag cipher's re-encrypted output goes (it is discarded). One per thread rather than per decryptor, so
     * 10,000 concurrent updates do not each hold a chunk-sized array.
     */
    private static final ThreadLocal<byte[]> DISCARD = ThreadLocal.withInitial(() -> new byte[0]);

    private final SecretKeySpec key;
    private final Cipher ctr;
    private final Cipher tagCipher;
    private final byte[] counterHigh;
    private final long wrapAt;
    private long position;

    GcmStreamDecryptor(byte[] aesKey, byte[] iv) {
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
            ctr = Cipher.getInstance("AES/CTR/NoPadding");
            ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(counter));
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
        int length = in.remaining();
        try {
            int done = 0;
            if (position <= wrapAt && position + length > wrapAt) {
                int head = (int) (wrapAt - position);
                ByteBuffer first = in.duplicate();
                first.limit(first.position() + head);
                done = crypt(first, out, offset);
                in.position(in.position() + head);
                ctr.init(Cipher.ENCRYPT_MODE, key, new IvParameterSpec(Arrays.copyOf(counterHigh, 16)));
            }
            done += crypt(in, out, offset + done);
            if (done != length) {
                throw new IllegalStateException("CTR returned " + done + " of " + length + " bytes");
            }
            byte[] discard = DISCARD.get();
            if (discard.length < length + 16) {
                discard = new byte[length + 16];
                DISCARD.set(discard);
            }
            tagCipher.update(out, offset, length, discard, 0);
            position += length;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("AES failed on a valid key", e);
        }
    }

    private int crypt(ByteBuffer in, byte[] out, int offset) throws GeneralSecurityException {
        int n = in.remaining();
        int done = in.hasArray()
                ? ctr.update(in.array(), in.arrayOffset() + in.position(), n, out, offset)
                : ctr.update(in, ByteBuffer.wrap(out, offset, n));
        in.position(in.position() + (in.hasArray() ? n : 0));
        return done;
    }

    /** True when {@code expectedTag} authenticates everything decrypted. Call once, at the end. */
    boolean verify(byte[] expectedTag) {
        try {
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
