package dev.flota.ota.encrypted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link ImageKeys}: one key agreement per image for the updates sharing them, never a stale key. */
class ImageKeysTest {

    private static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);

    private static byte[] plaintext(int size, long seed) {
        byte[] bytes = new byte[size];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] decrypt(ImageKeys keys, byte[] encrypted) {
        ImageDecryptor decryptor = ImageDecryptor.create(keys);
        ByteBuffer out = decryptor.update(ByteBuffer.wrap(encrypted.clone()));
        decryptor.finish();
        byte[] plain = new byte[out.remaining()];
        out.get(plain);
        return plain;
    }

    @Test
    void aSecondUpdateFromTheSameImageTakesTheRememberedKey() {
        ImageKeys keys = ImageKeys.of(KEY);
        byte[] plain = plaintext(20_000, 1);
        byte[] encrypted = ImageEncryptor.encrypt(plain, EncryptionKey.forDevice(KEY));
        ByteBuffer firstChunk = ByteBuffer.wrap(encrypted, 0, 4096);
        assertThat(ImageDecryptor.create(keys).derivesKey(firstChunk)).isTrue();
        assertThat(decrypt(keys, encrypted)).isEqualTo(plain);

        ImageDecryptor second = ImageDecryptor.create(keys);
        second.update(ByteBuffer.wrap(Arrays.copyOf(encrypted, 300)));
        assertThat(second.derivesKey(ByteBuffer.wrap(encrypted, 300, 4096))).isFalse();
        assertThat(decrypt(keys, encrypted)).isEqualTo(plain);
    }

    @Test
    void anotherImageDerivesItsOwnKey() {
        ImageKeys keys = ImageKeys.of(KEY);
        byte[] first = ImageEncryptor.encrypt(plaintext(10_000, 2), EncryptionKey.forDevice(KEY));
        decrypt(keys, first);
        byte[] plain = plaintext(10_000, 3);
        byte[] other = ImageEncryptor.encrypt(plain, EncryptionKey.forDevice(KEY));
        assertThat(ImageDecryptor.create(keys).derivesKey(ByteBuffer.wrap(other))).isTrue();
        assertThat(decrypt(keys, other)).isEqualTo(plain);
        assertThat(decrypt(keys, first)).hasSize(10_000);
    }

    @Test
    void aHeaderChangedInItsKeyMaterialIsNotDecryptedWithTheRememberedKey() {
        ImageKeys keys = ImageKeys.of(KEY);
        byte[] encrypted = ImageEncryptor.encrypt(plaintext(10_000, 4), EncryptionKey.forDevice(KEY));
        decrypt(keys, encrypted);
        byte[] tampered = encrypted.clone();
        tampered[4 + 64] ^= 1; // the HKDF salt, after the magic and the server's point
        assertThatThrownBy(() -> decrypt(keys, tampered)).isInstanceOfSatisfying(DecryptException.class,
                e -> assertThat(e.error()).isEqualTo(DecryptError.TAG_MISMATCH));
    }

    @Test
    void neitherKeyIsPrinted() {
        ImageKeys keys = ImageKeys.of(KEY);
        decrypt(keys, ImageEncryptor.encrypt(plaintext(1000, 5), EncryptionKey.forDevice(KEY)));
        assertThat(keys.toString()).doesNotContain(KEY.d().toString(16)).contains("hidden");
    }
}
