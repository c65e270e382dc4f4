package dev.flota.ota.encrypted;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;

/** The tag pass moved off the decrypting thread still authenticates each stream, whoever ends up feeding it. */
class TagLaneTest {

    private static final byte[] KEY = new byte[32];

    /**
     * Eight streams decrypted side by side take more batches than the pool has, so some of their tag input goes to the
     * lane and some is fed inline after it: every genuine stream verifies, the one with a changed byte does not, and
     * the pool is whole again at the end.
     */
    @Test
    void interleavedStreamsKeepTheirOwnTagsWhenThePoolRunsOut() throws Exception {
        int streams = 8;
        int size = 5 * TagLane.BATCH + 1000;
        byte[][] sealed = new byte[streams][];
        byte[][] ivs = new byte[streams][];
        byte[][] plains = new byte[streams][];
        GcmStreamDecryptor[] decryptors = new GcmStreamDecryptor[streams];
        for (int s = 0; s < streams; s++) {
            Random random = new Random(s);
            plains[s] = new byte[size];
            random.nextBytes(plains[s]);
            ivs[s] = new byte[16];
            random.nextBytes(ivs[s]);
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(KEY, "AES"), new GCMParameterSpec(128, ivs[s]));
            sealed[s] = gcm.doFinal(plains[s]);
            decryptors[s] = new GcmStreamDecryptor(KEY, ivs[s]);
            decryptors[s].offloadTag();
        }
        sealed[3][12345] ^= 1;
        byte[][] out = new byte[streams][size];
        for (int offset = 0; offset < size; offset += 16 * 1024) {
            for (int s = 0; s < streams; s++) {
                int n = Math.min(16 * 1024, size - offset);
                decryptors[s].decrypt(ByteBuffer.wrap(sealed[s], offset, n), out[s], offset);
            }
        }
        for (int s = 0; s < streams; s++) {
            byte[] tag = Arrays.copyOfRange(sealed[s], size, size + 16);
            assertThat(decryptors[s].verify(tag)).as("stream %d", s).isEqualTo(s != 3);
            if (s != 3) {
                assertThat(out[s]).isEqualTo(plains[s]);
            }
        }
        assertThat(TagLane.freeBatches()).isEqualTo(4);
    }

    @Test
    void anAbandonedStreamGivesItsBatchBack() {
        GcmStreamDecryptor decryptor = new GcmStreamDecryptor(KEY, new byte[16]);
        decryptor.offloadTag();
        decryptor.decrypt(ByteBuffer.wrap(new byte[20_000]), new byte[20_000], 0);
        assertThat(TagLane.freeBatches()).isEqualTo(3);
        decryptor.release();
        assertThat(TagLane.freeBatches()).isEqualTo(4);
        decryptor.decrypt(ByteBuffer.wrap(new byte[20_000]), new byte[20_000], 0);
        assertThat(TagLane.freeBatches()).isEqualTo(4);
    }
}
