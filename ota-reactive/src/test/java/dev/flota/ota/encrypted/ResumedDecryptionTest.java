package dev.flota.ota.encrypted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ImageDecryptor#resume}: continuing a pre-encrypted image from the plaintext an earlier run left in flash. */
class ResumedDecryptionTest {

    private static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);

    private static byte[] plaintext(int size) {
        byte[] bytes = new byte[size];
        new Random(7).nextBytes(bytes);
        return bytes;
    }

    @Test
    void theRestDecryptsAndTheTagCoversTheWholeImage() {
        byte[] plain = plaintext(100_000);
        byte[] encrypted = ImageEncryptor.encrypt(plain, EncryptionKey.forDevice(KEY));
        int at = 36_864;
        ImageDecryptor decryptor = ImageDecryptor.resume(KEY, Arrays.copyOf(encrypted, 512), Arrays.copyOf(plain, at));
        ByteBuffer rest = decryptor.update(ByteBuffer.wrap(Arrays.copyOfRange(encrypted, 512 + at, encrypted.length)));
        byte[] out = new byte[rest.remaining()];
        rest.get(out);
        assertThat(out).isEqualTo(Arrays.copyOfRange(plain, at, plain.length));
        assertThat(decryptor.plaintextBytes()).isEqualTo(plain.length);
        decryptor.finish();
    }

    @Test
    void plaintextInFlashThatIsNotTheImagesFailsTheTag() {
        byte[] plain = plaintext(50_000);
        byte[] encrypted = ImageEncryptor.encrypt(plain, EncryptionKey.forDevice(KEY));
        byte[] inFlash = Arrays.copyOf(plain, 4096);
        inFlash[100] ^= 1;
        ImageDecryptor decryptor = ImageDecryptor.resume(KEY, Arrays.copyOf(encrypted, 512), inFlash);
        decryptor.update(ByteBuffer.wrap(Arrays.copyOfRange(encrypted, 512 + 4096, encrypted.length)));
        assertThatThrownBy(decryptor::finish).isInstanceOfSatisfying(DecryptException.class,
                e -> assertThat(e.error()).isEqualTo(DecryptError.TAG_MISMATCH));
    }

    @Test
    void anOffsetOffTheAesBlockIsRefused() {
        byte[] encrypted = ImageEncryptor.encrypt(plaintext(1000), EncryptionKey.forDevice(KEY));
        assertThatThrownBy(() -> ImageDecryptor.resume(KEY, Arrays.copyOf(encrypted, 512), new byte[100]))
                .isInstanceOf(IllegalArgumentException.class);
    }
}
