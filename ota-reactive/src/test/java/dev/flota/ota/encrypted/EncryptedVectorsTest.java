package dev.flota.ota.encrypted;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.keys.PemKeys;
import dev.flota.flash.testing.Manifest;
import dev.flota.flash.testing.VectorFiles;
import dev.flota.flash.testing.Vectors;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.ECPublicKey;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of MANIFEST.md under {@code encrypted/}: keys and key derivations, and each image decrypted through the
 * Reactor operator in random chunks of 1 byte to 64 KiB, giving the manifest's plaintext or its typed error.
 */
class EncryptedVectorsTest {

    private static final String RSA = "encrypted/rsa3072/";
    private static final String ECC = "encrypted/ecc256/";
    private static final String ESP = "encrypted/espressif_test_vector/";
    private static final String P100K = "1c70a7d997082becbd16d87bd81fd018c82bce5ee71b0bf3bb426b3398c397d3";
    private static final String P4099 = "b46940301f4f20eac924dc03fc29918c3f6d9822b17dc68733143e280dac625b";
    private static final String APP = "b39bee801d2b47c8d784dc3509e3f1f62e92f7799d318032bb0a4a3c6e828016";

    private static final Map<String, Consumer<byte[]>> EXPECTED = Map.ofEntries(
            Map.entry(RSA + "rsa3072_private.pem", b -> assertThat(DecryptionKey.fromPem(text(b)).scheme())
                    .isEqualTo(EncryptionScheme.RSA_3072)),
            Map.entry(RSA + "rsa3072_public.pem", b -> assertThat(EncryptionKey.fromPem(text(b)).scheme())
                    .isEqualTo(EncryptionScheme.RSA_3072)),
            plain(RSA + "plain_random_100k.bin"), plain(RSA + "plain_random_4099.bin"),
            plain(ECC + "plain_random_100k.bin"), plain(ECC + "plain_random_4099.bin"),
            decrypts(RSA + "plain_random_100k.enc.bin", P100K), decrypts(RSA + "plain_random_4099.enc.bin", P4099),
            decrypts(RSA + "esp32_app_template.enc.bin", APP),
            Map.entry(ECC + "device_hmac_key.bin", b -> assertThat(publicPoint(DecryptionKey.fromHmacKey(b)))
                    .isEqualTo(pemPoint(Vectors.bytes(ECC + "device_pub_key.pem")))),
            Map.entry(ECC + "device_pub_key.pem", b -> assertThat(EncryptionKey.fromPem(text(b)).scheme())
                    .isEqualTo(EncryptionScheme.ECC_256)),
            Map.entry(ECC + "device_priv_key_derived.pem", b -> {
                assertThat(((ECPrivateKey) PemKeys.privateKey(text(b))).getS()).isEqualTo(
                        new BigInteger("2bc87b1b713c323dc744cfb093b764f8908b4284199a4b7f14e01185f6281b11", 16));
                assertThat(DecryptionKey.fromPem(text(b))).isEqualTo(
                        DecryptionKey.fromHmacKey(Vectors.bytes(ECC + "device_hmac_key.bin")));
            }),
            decrypts(ECC + "plain_random_100k.enc.bin", P100K), decrypts(ECC + "plain_random_4099.enc.bin", P4099),
            decrypts(ECC + "esp32_app_template.enc.bin", APP),
            decrypts(ESP + "image.bin", "a230a5aae39e351c0d806acb453662dfe66afcec74f6c0c861d75048fae07f78"),
            Map.entry(ESP + "test_rsa_private_key.pem", b -> assertThat(PemKeys.isPrivate(text(b))).isTrue()),
            plain(ESP + "image.decrypted.bin"),
            Map.entry(ESP + "example_ecc_device_hmac_key.bin", b -> {
                EccDecryptionKey key = DecryptionKey.fromHmacKey(b);
                assertThat(key.d()).isEqualTo(
                        new BigInteger("bb0dd21b15cbd6a9b8f35e55af98bde1402ceff7c0cf1d9c3409fb694bc23e6e", 16));
                assertThat(publicPoint(key)).isEqualTo(pemPoint(Vectors.bytes(ESP + "example_ecc_public.pem")));
            }),
            Map.entry(ESP + "example_ecc_public.pem", b -> assertThat(EncryptionKey.fromPem(text(b)).scheme())
                    .isEqualTo(EncryptionScheme.ECC_256)),
            rejects(RSA + "corrupt/plain_random_4099.flip_ciphertext.bin", DecryptError.TAG_MISMATCH),
            rejects(RSA + "corrupt/plain_random_4099.flip_tag.bin", DecryptError.TAG_MISMATCH),
            rejects(RSA + "corrupt/plain_random_4099.flip_iv.bin", DecryptError.TAG_MISMATCH),
            rejects(RSA + "corrupt/plain_random_4099.flip_wrapped_key.bin", DecryptError.KEY_UNWRAP_FAILED),
            decrypts(RSA + "corrupt/plain_random_4099.reserved_nonzero.bin", P4099),
            rejects(RSA + "corrupt/plain_random_4099.bad_magic.bin", DecryptError.BAD_MAGIC),
            rejects(RSA + "corrupt/plain_random_4099.truncated_1byte.bin", DecryptError.TRUNCATED),
            rejects(RSA + "corrupt/plain_random_4099.truncated_in_header.bin", DecryptError.HEADER_TRUNCATED),
            rejects(RSA + "corrupt/plain_random_4099.trailing_garbage16.bin", DecryptError.TOO_LONG),
            rejects(RSA + "corrupt/plain_random_4099.binsize_minus16.bin", DecryptError.TOO_LONG),
            rejects(ECC + "corrupt/plain_random_4099.flip_ciphertext.bin", DecryptError.TAG_MISMATCH),
            rejects(ECC + "corrupt/plain_random_4099.flip_tag.bin", DecryptError.TAG_MISMATCH),
            rejects(ECC + "corrupt/plain_random_4099.flip_iv.bin", DecryptError.TAG_MISMATCH),
            rejects(ECC + "corrupt/plain_random_4099.flip_server_pubkey.bin", DecryptError.INVALID_SERVER_KEY),
            rejects(ECC + "corrupt/plain_random_4099.flip_kdf_salt.bin", DecryptError.TAG_MISMATCH),
            decrypts(ECC + "corrupt/plain_random_4099.reserved_nonzero.bin", P4099),
            rejects(ECC + "corrupt/plain_random_4099.bad_magic.bin", DecryptError.BAD_MAGIC),
            rejects(ECC + "corrupt/plain_random_4099.truncated_1byte.bin", DecryptError.TRUNCATED),
            rejects(ECC + "corrupt/plain_random_4099.truncated_in_header.bin", DecryptError.HEADER_TRUNCATED),
            rejects(ECC + "corrupt/plain_random_4099.trailing_garbage16.bin", DecryptError.TOO_LONG),
            rejects(ECC + "corrupt/plain_random_4099.binsize_minus16.bin", DecryptError.TOO_LONG));

    static List<Manifest.Row> rows() {
        return Manifest.rowsUnder("encrypted");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyManifestRowGivesTheExpectedResult(Manifest.Row row) {
        byte[] bytes = VectorFiles.checked(row);
        Consumer<byte[]> expectation = VectorFiles.expectation(row, EXPECTED, row.file());
        expectation.accept(bytes);
    }

    /** The device keys a directory's images are encrypted for: every way the device may hold it. */
    static List<DecryptionKey> keysFor(String file) {
        if (file.startsWith(RSA)) {
            return List.of(DecryptionKey.fromPem(text(Vectors.bytes(RSA + "rsa3072_private.pem"))));
        }
        if (file.startsWith(ECC)) {
            return List.of(DecryptionKey.fromHmacKey(Vectors.bytes(ECC + "device_hmac_key.bin")),
                    DecryptionKey.fromPem(text(Vectors.bytes(ECC + "device_priv_key_derived.pem"))));
        }
        return List.of(DecryptionKey.fromPem(text(Vectors.bytes(ESP + "test_rsa_private_key.pem"))));
    }

    private static Map.Entry<String, Consumer<byte[]>> decrypts(String file, String plaintextSha256) {
        return Map.entry(file, encrypted -> {
            Random random = new Random(file.hashCode());
            for (DecryptionKey key : keysFor(file)) {
                for (int maxChunk : new int[] {1, 16, 4096, 65536}) {
                    byte[] plain = Chunks.decrypt(encrypted, key, random, maxChunk);
                    assertThat(VectorFiles.sha256(plain)).as("%s in chunks up to %d", file, maxChunk)
                            .isEqualTo(plaintextSha256);
                }
            }
        });
    }

    private static Map.Entry<String, Consumer<byte[]>> rejects(String file, DecryptError error) {
        return Map.entry(file, encrypted -> {
            Random random = new Random(file.hashCode());
            for (DecryptionKey key : keysFor(file)) {
                for (int maxChunk : new int[] {1, 700, 65536}) {
                    assertThatThrownBy(() -> Chunks.decrypt(encrypted, key, random, maxChunk))
                            .as("%s in chunks up to %d", file, maxChunk)
                            .isInstanceOfSatisfying(DecryptException.class, e -> assertThat(e.error()).isEqualTo(error));
                }
            }
        });
    }

    private static Map.Entry<String, Consumer<byte[]>> plain(String file) {
        return Map.entry(file, bytes -> assertThat(bytes).isNotEmpty());
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.US_ASCII);
    }

    private static List<BigInteger> publicPoint(EccDecryptionKey key) {
        return List.of(key.publicPoint().getAffineXCoord().toBigInteger(),
                key.publicPoint().getAffineYCoord().toBigInteger());
    }

    private static List<BigInteger> pemPoint(byte[] pem) {
        ECPublicKey key = (ECPublicKey) PemKeys.publicKey(text(pem));
        return List.of(key.getW().getAffineX(), key.getW().getAffineY());
    }
}
