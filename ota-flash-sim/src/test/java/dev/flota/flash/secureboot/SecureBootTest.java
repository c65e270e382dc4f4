package dev.flota.flash.secureboot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageError;
import dev.flota.flash.image.ImageFinding;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import java.nio.ByteBuffer;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Secure Boot V2 signing and the device's verification rules, with keys and images the test makes. */
class SecureBootTest {

    private static final byte[] IMAGE = TestImages.app(Chip.ESP32_C6, "signed", 9000);

    static Stream<Arguments> schemes() {
        return Stream.of(
                Arguments.of(SignatureScheme.RSA_3072, TestKeys.rsa3072("a")),
                Arguments.of(SignatureScheme.ECDSA_P192, TestKeys.ec("P-192", "a")),
                Arguments.of(SignatureScheme.ECDSA_P256, TestKeys.ec("P-256", "a")),
                Arguments.of(SignatureScheme.ECDSA_P384, TestKeys.ec("P-384", "a")));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void signedImageIsAcceptedByItsKeyOnly(SignatureScheme scheme, KeyPair keys) {
        SecureBootSigner signer = SecureBootSigner.from(keys.getPrivate());
        assertThat(signer.scheme()).isEqualTo(scheme);
        assertThat(signer.publicKey()).isEqualTo(SecureBootKey.from(keys.getPublic()));
        byte[] signed = ImageSigner.sign(IMAGE, List.of(signer));

        assertThat(signed.length % 4096).isZero();
        int sectorAt = signed.length - 4096;
        assertThat(Arrays.copyOfRange(signed, IMAGE.length, sectorAt)).containsOnly((byte) 0xFF);
        assertThat(Arrays.copyOfRange(signed, sectorAt + SignatureBlock.SIZE, signed.length)).containsOnly((byte) 0xFF);

        ImageVerification ok = verify(signed, SignaturePolicy.signedOnUpdate(signer.publicKey()));
        assertThat(ok.findings()).isEmpty();
        assertThat(ok.signature().orElseThrow().acceptedBlock()).isZero();

        SecureBootKey other = SecureBootKey.from(scheme == SignatureScheme.RSA_3072 ? TestKeys.rsa3072("b").getPublic()
                : TestKeys.ec(scheme.curveName(), "b").getPublic());
        assertThat(errors(signed, SignaturePolicy.signedOnUpdate(other))).containsExactly(ImageError.SIGNATURE_INVALID);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("schemes")
    void blockRoundTripsThroughItsEncoding(SignatureScheme scheme, KeyPair keys) {
        SecureBootSigner signer = SecureBootSigner.from(keys.getPrivate());
        byte[] digest = new byte[scheme.digestSize()];
        new Random(1).nextBytes(digest);
        SignatureBlock block = signer.sign(digest);
        byte[] encoded = block.encode();
        SignatureBlock parsed = SignatureBlock.parse(encoded, 0);
        assertThat(parsed.encode()).isEqualTo(encoded);
        assertThat(parsed.scheme()).isEqualTo(scheme);
        assertThat(parsed.imageDigest()).isEqualTo(digest);
        assertThat(parsed.keyDigest()).isEqualTo(signer.publicKey().digest());
        assertThat(parsed.key().verify(digest, parsed.signatureBytes())).isTrue();
        digest[0] ^= 1;
        assertThat(parsed.key().verify(digest, parsed.signatureBytes())).isFalse();
    }

    @Test
    void everyTamperedPlaceIsCaught() {
        SecureBootSigner signer = SecureBootSigner.from(TestKeys.ec("P-256", "a").getPrivate());
        SignaturePolicy policy = SignaturePolicy.signedOnUpdate(signer.publicKey());
        byte[] signed = ImageSigner.sign(IMAGE, List.of(signer));
        int sectorAt = signed.length - 4096;
        Random random = new Random(3);
        for (int i = 0; i < 200; i++) {
            byte[] copy = signed.clone();
            int at = i < 100 ? random.nextInt(sectorAt) : sectorAt + random.nextInt(SignatureBlock.CRC_LENGTH + 4);
            copy[at] ^= (byte) (1 << random.nextInt(8));
            assertThat(errors(copy, policy)).as("flip at 0x%x", at).contains(ImageError.SIGNATURE_INVALID);
        }
    }

    @Test
    void onlyBlockZeroCountsWithoutSecureBoot() {
        SecureBootSigner trusted = SecureBootSigner.from(TestKeys.rsa3072("a").getPrivate());
        SecureBootSigner untrusted = SecureBootSigner.from(TestKeys.rsa3072("b").getPrivate());
        byte[] signed = ImageSigner.sign(IMAGE, List.of(untrusted, trusted));
        assertThat(errors(signed, SignaturePolicy.signedOnUpdate(trusted.publicKey())))
                .containsExactly(ImageError.SIGNATURE_INVALID);
        assertThat(errors(signed, SignaturePolicy.secureBootV2(List.of(trusted.publicKey())))).isEmpty();
        assertThat(errors(signed, SignaturePolicy.secureBootV2(List.of(trusted.publicKey())).withMaxBlocks(1)))
                .containsExactly(ImageError.SIGNATURE_INVALID);
    }

    @Test
    void blocksOfAnotherSchemeAreSkipped() {
        SecureBootSigner ec = SecureBootSigner.from(TestKeys.ec("P-256", "a").getPrivate());
        SecureBootSigner rsa = SecureBootSigner.from(TestKeys.rsa3072("a").getPrivate());
        byte[] signed = ImageSigner.sign(IMAGE, List.of(ec, rsa));
        ImageVerification r = verify(signed, SignaturePolicy.secureBootV2(List.of(rsa.publicKey())));
        assertThat(r.valid()).isTrue();
        assertThat(r.signature().orElseThrow().notes().get(0)).contains("configured for RSA_3072");
    }

    @Test
    void staleStoredDigestIsRejectedUnlessEspIdfLeniencyIsAskedFor() {
        SecureBootSigner signer = SecureBootSigner.from(TestKeys.ec("P-384", "a").getPrivate());
        byte[] signed = ImageSigner.sign(IMAGE, List.of(signer));
        int sectorAt = signed.length - 4096;
        SignatureBlock block = SignatureBlock.parse(signed, sectorAt);
        byte[] stale = block.imageDigest();
        stale[0] ^= 1;
        EcdsaSignatureBlock restamped = new EcdsaSignatureBlock(block.scheme(), stale, block.key(),
                ((EcdsaSignatureBlock) block).rawKeyPart(), block.signatureBytes());
        System.arraycopy(restamped.encode(), 0, signed, sectorAt, SignatureBlock.SIZE);
        SignaturePolicy strict = SignaturePolicy.signedOnUpdate(signer.publicKey());
        assertThat(errors(signed, strict)).containsExactly(ImageError.SIGNATURE_INVALID);
        assertThat(errors(signed, strict.ignoringStoredImageDigest())).isEmpty();
    }

    @Test
    void sectorSlotsReportWhyTheyAreUnusable() {
        SecureBootSigner signer = SecureBootSigner.from(TestKeys.ec("P-256", "a").getPrivate());
        byte[] sector = SignatureSector.encode(List.of(signer.sign(new byte[32]), signer.sign(new byte[32])));
        sector[SignatureBlock.SIZE + 100] ^= 1;
        SignatureSector parsed = SignatureSector.parse(sector);
        assertThat(parsed.slots()).extracting(s -> s.problem().map(SignatureBlockException::reason).orElse(null))
                .containsExactly(null, SignatureBlockException.Reason.BAD_CRC, SignatureBlockException.Reason.EMPTY);
        assertThat(parsed.blocks()).hasSize(1);
    }

    @Test
    void randomSectorsNeverThrow() {
        Random random = new Random(11);
        for (int i = 0; i < 500; i++) {
            byte[] sector = new byte[4096];
            random.nextBytes(sector);
            for (int b = 0; b < 3; b++) {
                sector[b * SignatureBlock.SIZE] = (byte) 0xE7;
                sector[b * SignatureBlock.SIZE + 1] = (byte) (2 + random.nextInt(2));
                long crc = SignatureBlock.crc(sector, b * SignatureBlock.SIZE);
                ByteBuffer.wrap(sector).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                        .putInt(b * SignatureBlock.SIZE + SignatureBlock.CRC_LENGTH, (int) crc);
            }
            assertThat(SignatureSector.parse(sector).slots()).hasSize(3);
        }
    }

    @Test
    void signingChecksItsInputs() {
        SecureBootSigner signer = SecureBootSigner.from(TestKeys.ec("P-256", "a").getPrivate());
        assertThatThrownBy(() -> signer.sign(new byte[48])).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ImageSigner.sign(IMAGE, List.of(signer, signer, signer, signer)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SecureBootKey.rsa(java.math.BigInteger.valueOf(65537).pow(200),
                java.math.BigInteger.valueOf(65537))).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void signatureChecksStreamLikeTheImage() {
        SecureBootSigner signer = SecureBootSigner.from(TestKeys.rsa3072("a").getPrivate());
        byte[] signed = ImageSigner.sign(IMAGE, List.of(signer));
        VerifyOptions options = VerifyOptions.defaults().signaturePolicy(SignaturePolicy.signedOnUpdate(
                signer.publicKey()));
        ImageVerifier streaming = ImageVerifier.create(options);
        for (int offset = 0; offset < signed.length; offset += 1000) {
            streaming.update(ByteBuffer.wrap(signed, offset, Math.min(1000, signed.length - offset)));
        }
        assertThat(streaming.finish().findings()).isEmpty();
        assertThat(ImageVerifier.verify(Arrays.copyOf(signed, signed.length - 1), options).findings())
                .extracting(ImageFinding::error).containsExactly(ImageError.SIGNATURE_MISSING);
    }

    private static ImageVerification verify(byte[] image, SignaturePolicy policy) {
        return ImageVerifier.verify(image, VerifyOptions.defaults().signaturePolicy(policy));
    }

    private static List<ImageError> errors(byte[] image, SignaturePolicy policy) {
        return verify(image, policy).findings().stream().map(ImageFinding::error).toList();
    }
}
