package dev.flota.ota.encrypted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.interfaces.RSAPrivateKey;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import reactor.core.publisher.Flux;
import reactor.test.StepVerifier;

/** Round trips of images the test encrypts itself, both schemes, every awkward size, and a wrapping GCM counter. */
class EncryptedImagesTest {

    private static KeyPair rsa;
    private static EccDecryptionKey ecc;

    @BeforeAll
    static void keys() throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(3072);
        rsa = generator.generateKeyPair();
        ecc = DecryptionKey.fromHmacKey(new byte[32]);
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 4095, 4096, 4097, 3 * 1024 * 1024 + 5})
    void roundTripsEverySizeWithBothSchemes(int size) {
        byte[] plain = new byte[size];
        new Random(size).nextBytes(plain);
        Random chunks = new Random(size + 1L);
        byte[] viaRsa = ImageEncryptor.encrypt(plain, EncryptionKey.of(rsa.getPublic()));
        assertThat(viaRsa).hasSize(512 + size);
        assertThat(Chunks.decrypt(viaRsa, DecryptionKey.of(rsa.getPrivate()), chunks, 65536)).isEqualTo(plain);
        byte[] viaEcc = ImageEncryptor.encrypt(plain, EncryptionKey.forDevice(ecc));
        assertThat(Chunks.decrypt(viaEcc, ecc, chunks, 4096)).isEqualTo(plain);
    }

    @Test
    void counterWrapsOnlyItsLow32BitsLikeGcm() throws Exception {
        byte[] aesKey = new byte[32];
        new Random(5).nextBytes(aesKey);
        Cipher ecb = Cipher.getInstance("AES/ECB/NoPadding");
        ecb.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"));
        byte[] h = ecb.doFinal(new byte[16]);
        byte[] j0 = new byte[16];
        new Random(6).nextBytes(j0);
        ByteBuffer.wrap(j0).putInt(12, 0xFFFFFFFF - 5000);
        byte[] iv = ivForJ0(h, j0);
        assertThat(Ghash.j0(h, iv)).isEqualTo(j0);

        byte[] plain = new byte[200_000];
        new Random(7).nextBytes(plain);
        Cipher jdk = Cipher.getInstance("AES/GCM/NoPadding");
        jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new GCMParameterSpec(128, iv));
        byte[] sealed = jdk.doFinal(plain);

        for (int chunk : new int[] {1, 13, 48, 64, 1000, 70_000, 200_000}) {
            for (boolean direct : chunk < 1000 ? new boolean[] {false} : new boolean[] {false, true}) {
                GcmStreamDecryptor gcm = new GcmStreamDecryptor(aesKey, iv);
                byte[] out = new byte[plain.length];
                for (int offset = 0; offset < plain.length; offset += chunk) {
                    int n = Math.min(chunk, plain.length - offset);
                    ByteBuffer in = ByteBuffer.wrap(sealed, offset, n);
                    if (direct) {
                        in = ByteBuffer.allocateDirect(n).put(in).flip();
                    }
                    gcm.decrypt(in, out, offset);
                }
                assertThat(out).as("chunks of %d, direct %s", chunk, direct).isEqualTo(plain);
                assertThat(gcm.verify(Arrays.copyOfRange(sealed, plain.length, sealed.length))).isTrue();
            }
        }
    }

    @Test
    void plaintextIsReleasedBeforeTheTagAndTheFluxFailsAtTheEnd() {
        byte[] plain = new byte[10_000];
        byte[] encrypted = ImageEncryptor.encrypt(plain, EncryptionKey.forDevice(ecc));
        encrypted[600] ^= 1;
        List<DecryptEvent> events = new ArrayList<>();
        StepVerifier.create(Flux.fromIterable(Chunks.random(encrypted, new Random(1), 2048))
                        .transform(EncryptedImages.decrypt(ecc, events::add)))
                .thenConsumeWhile(b -> true)
                .expectErrorSatisfies(e -> assertThat(((DecryptException) e).error())
                        .isEqualTo(DecryptError.TAG_MISMATCH))
                .verify();
        assertThat(events.get(0)).isEqualTo(new DecryptEvent.HeaderRead(EncryptionScheme.ECC_256, 10_000));
        assertThat(events).last().isEqualTo(new DecryptEvent.Decrypted(10_000));
    }

    @Test
    void eventsEndWithVerified() {
        byte[] encrypted = ImageEncryptor.encrypt(new byte[5000], EncryptionKey.forDevice(ecc));
        List<DecryptEvent> events = new ArrayList<>();
        Flux.just(ByteBuffer.wrap(encrypted)).transform(EncryptedImages.decrypt(ecc, events::add)).blockLast();
        assertThat(events).containsExactly(new DecryptEvent.HeaderRead(EncryptionScheme.ECC_256, 5000),
                new DecryptEvent.Decrypted(5000), new DecryptEvent.Verified(5000));
    }

    @Test
    void badMagicFailsOnTheFirstFourBytes() {
        ImageDecryptor decryptor = ImageDecryptor.create(ecc);
        decryptor.update(ByteBuffer.wrap(new byte[] {(byte) 0xCF, (byte) 0xB6, (byte) 0x88}));
        assertThatThrownBy(() -> decryptor.update(ByteBuffer.wrap(new byte[] {8})))
                .isInstanceOfSatisfying(DecryptException.class,
                        e -> assertThat(e.error()).isEqualTo(DecryptError.BAD_MAGIC));
    }

    @Test
    void wrongKeysAreTypedErrors() throws Exception {
        byte[] forRsa = ImageEncryptor.encrypt(new byte[100], EncryptionKey.of(rsa.getPublic()));
        KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
        generator.initialize(3072);
        RSAPrivateKey other = (RSAPrivateKey) generator.generateKeyPair().getPrivate();
        assertThatThrownBy(() -> Chunks.decrypt(forRsa, new RsaDecryptionKey(other), new Random(), 100))
                .isInstanceOfSatisfying(DecryptException.class,
                        e -> assertThat(e.error()).isEqualTo(DecryptError.KEY_UNWRAP_FAILED));
        byte[] forEcc = ImageEncryptor.encrypt(new byte[100], EncryptionKey.forDevice(ecc));
        assertThatThrownBy(() -> Chunks.decrypt(forEcc, EccDecryptionKey.of(BigInteger.TEN), new Random(), 100))
                .isInstanceOfSatisfying(DecryptException.class,
                        e -> assertThat(e.error()).isEqualTo(DecryptError.TAG_MISMATCH));
        assertThatThrownBy(() -> EccDecryptionKey.of(BigInteger.ZERO)).isInstanceOfSatisfying(
                DecryptException.class, e -> assertThat(e.error()).isEqualTo(DecryptError.KEY_DERIVATION_FAILED));
    }

    @Test
    void warmUpRuns() {
        EncryptedImages.warmUp();
        assertThat(ImageEncryptor.encrypt(new byte[1], EncryptionKey.forDevice(ecc), new SecureRandom())).hasSize(513);
    }

    /** IV = (J0 * H^-1 xor L) * H^-1 with L the length block of a 16-byte IV: inverts {@link Ghash#j0}. */
    private static byte[] ivForJ0(byte[] h, byte[] j0) {
        long[] hInverse = inverse(ByteBuffer.wrap(h).getLong(0), ByteBuffer.wrap(h).getLong(8));
        long[] y1 = Ghash.multiply(ByteBuffer.wrap(j0).getLong(0), ByteBuffer.wrap(j0).getLong(8), hInverse[0],
                hInverse[1]);
        long[] iv = Ghash.multiply(y1[0], y1[1] ^ 128, hInverse[0], hInverse[1]);
        return ByteBuffer.allocate(16).putLong(iv[0]).putLong(iv[1]).array();
    }

    /** x^(2^128 - 2) by square and multiply. */
    private static long[] inverse(long hi, long lo) {
        long[] result = {Long.MIN_VALUE, 0};
        long[] power = {hi, lo};
        for (int bit = 1; bit < 128; bit++) {
            power = Ghash.multiply(power[0], power[1], power[0], power[1]);
            result = Ghash.multiply(result[0], result[1], power[0], power[1]);
        }
        return result;
    }
}
