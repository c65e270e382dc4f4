package dev.flota.flash.secureboot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.ImageError;
import dev.flota.flash.image.ImageFinding;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.keys.PemKeys;
import dev.flota.flash.testing.Manifest;
import dev.flota.flash.testing.VectorFiles;
import dev.flota.flash.testing.Vectors;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of MANIFEST.md under {@code signed/}: key digests, and the verdict of the device's Secure Boot V2 check in
 * both trust modes ("NO_SB": signed OTA without secure boot, block 0 only; "SBv2": eFuse digests, up to 3 blocks).
 */
class SignedVectorsTest {

    private static final String KEYS = "signed/keys/";
    private static final String ESPRESSIF = "signed/espressif_test_vectors/";

    private static final Map<String, Consumer<byte[]>> EXPECTED = Map.ofEntries(
            digest("rsa3072_signing_key.pem", "da10ec5f88e3a55b84a3cebcf99c735d99e3bfbd28e7b6f328b09bc0ff104f87"),
            digest("rsa3072_public_key.pem", "da10ec5f88e3a55b84a3cebcf99c735d99e3bfbd28e7b6f328b09bc0ff104f87"),
            digest("rsa3072_key_digest.bin", "da10ec5f88e3a55b84a3cebcf99c735d99e3bfbd28e7b6f328b09bc0ff104f87"),
            digest("ecdsa_p256_signing_key.pem", "e9f600fbada7571ea8f444040d3553c9ad21ba48b226342ebc7d7b81eee6bf14"),
            digest("ecdsa_p256_public_key.pem", "e9f600fbada7571ea8f444040d3553c9ad21ba48b226342ebc7d7b81eee6bf14"),
            digest("ecdsa_p256_key_digest.bin", "e9f600fbada7571ea8f444040d3553c9ad21ba48b226342ebc7d7b81eee6bf14"),
            digest("ecdsa_p384_signing_key.pem", "3db968cbd7ebf0c33a5e7d80d5e64cf07f82bffedca5fd37b48d6a4fbcd98c7d"),
            digest("ecdsa_p384_public_key.pem", "3db968cbd7ebf0c33a5e7d80d5e64cf07f82bffedca5fd37b48d6a4fbcd98c7d"),
            digest("ecdsa_p384_key_digest.bin", "3db968cbd7ebf0c33a5e7d80d5e64cf07f82bffedca5fd37b48d6a4fbcd98c7d"),
            digest("untrusted_rsa3072_signing_key.pem",
                    "7c38d8ed281c5a0c5a126c17f3fecfd52a775a6fc47d4a6a944939be7673888a"),
            digest("untrusted_rsa3072_public_key.pem",
                    "7c38d8ed281c5a0c5a126c17f3fecfd52a775a6fc47d4a6a944939be7673888a"),
            digest("untrusted_rsa3072_key_digest.bin",
                    "7c38d8ed281c5a0c5a126c17f3fecfd52a775a6fc47d4a6a944939be7673888a"),
            digest("rsa_secure_boot_signing_pubkey.pem",
                    "cb2791a371b0c0322bf7370478ba0962224cab1cf2287879e429673e7da84463"),
            digest("rsa_secure_boot_signing_pubkey2.pem",
                    "901a7409238d52d4cbf96f563fb3f4296dabd66a33f53b15eecd8cb3e7ec45d3"),
            digest("rsa_secure_boot_signing_pubkey3_extracted.pem",
                    "27919392d68bab79286a26759143a5b1d599efcebd754e5703b5dd23b5e3dd3b"),
            digest("ecdsa192_secure_boot_signing_pubkey.pem",
                    "1060f30bc482db11c470db5734f1f91b792c21ff1f0a3234544156d4f98d3311"),
            digest("ecdsa256_secure_boot_signing_pubkey.pem",
                    "f35cc5dbdde67f94a7bbcb5723371ba91822193582308f84cb95b4531219056d"),
            digest("ecdsa384_secure_boot_signing_pubkey.pem",
                    "fc9c01f2e8bc394d199b74b1cdf5060c10acc6cc385905877c5571c53009bc98"),
            Map.entry("app_unsigned_securepad.bin", image -> {
                ImageVerification plain = ImageVerifier.verify(image);
                assertThat(plain.valid()).isTrue();
                assertThat(plain.imageLength()).isEqualTo(0xA0000);
                assertThat(plain.segments()).hasSize(6);
                assertThat(plain.header().orElseThrow().minChipRevFull()).isEqualTo(300);
                assertThat(plain.storedChecksum()).contains(0x20);
                assertThat(plain.storedSha256().orElseThrow()).startsWith("88db29d5").endsWith("f9bdec");
                assertRejected(image, "rsa3072", ImageError.SIGNATURE_MISSING);
            }),
            accepted("app_signed_rsa3072.bin", "rsa3072"),
            accepted("app_signed_ecdsa_p256.bin", "ecdsa_p256"),
            accepted("c3_signed_rsa3072.bin", "rsa3072"),
            accepted("c3_signed_ecdsa_p384.bin", "ecdsa_p384"),
            Map.entry("c3_signed_untrusted_rsa3072.bin", image -> {
                assertRejected(image, "rsa3072", ImageError.SIGNATURE_INVALID);
                assertAccepted(image, key("untrusted_rsa3072"));
            }),
            accepted("c3_signed_rsa3072_2blocks_trusted_first.bin", "rsa3072"),
            Map.entry("c3_signed_rsa3072_2blocks_untrusted_first.bin", image -> {
                SecureBootKey trusted = key("rsa3072");
                assertThat(verify(image, SignaturePolicy.signedOnUpdate(trusted)).has(ImageError.SIGNATURE_INVALID))
                        .as("NO_SB examines block 0 only").isTrue();
                ImageVerification sbv2 = verify(image, SignaturePolicy.secureBootV2(List.of(trusted)));
                assertThat(sbv2.valid()).as("SBv2 accepts via block 1").isTrue();
                assertThat(sbv2.signature().orElseThrow().acceptedBlock()).isEqualTo(1);
                assertThat(verify(image, SignaturePolicy.secureBootV2(List.of(trusted)).withMaxBlocks(1)).valid())
                        .as("SBv2 on a one-digest chip (ESP32)").isFalse();
            }),
            Map.entry("c3_signed_rsa3072.flip_image_byte.bin", image -> {
                ImageVerification r = assertRejected(image, "rsa3072", ImageError.SIGNATURE_INVALID);
                assertThat(r.findings()).extracting(ImageFinding::error)
                        .contains(ImageError.CHECKSUM_MISMATCH, ImageError.SHA256_MISMATCH);
            }),
            rejectedImageValid("c3_signed_rsa3072.flip_signature_fixcrc.bin", "rsa3072"),
            Map.entry("c3_signed_rsa3072.flip_signature_nocrcfix.bin", image -> {
                assertRejected(image, "rsa3072", ImageError.SIGNATURE_INVALID);
                assertThat(slot0Problem(image)).isEqualTo(SignatureBlockException.Reason.BAD_CRC);
            }),
            stale("c3_signed_rsa3072.stale_block_digest_fixcrc.bin", "rsa3072"),
            Map.entry("c3_signed_rsa3072.bad_block_magic.bin", image -> {
                assertRejected(image, "rsa3072", ImageError.SIGNATURE_INVALID);
                assertThat(slot0Problem(image)).isEqualTo(SignatureBlockException.Reason.BAD_MAGIC);
            }),
            Map.entry("c3_signed_rsa3072.sig_sector_removed.bin",
                    image -> assertRejected(image, "rsa3072", ImageError.SIGNATURE_MISSING)),
            rejectedImageValid("c3_signed_rsa3072.flip_padding_byte.bin", "rsa3072"),
            rejectedImageValid("c3_signed_ecdsa_p384.flip_signature_fixcrc.bin", "ecdsa_p384"),
            stale("c3_signed_ecdsa_p384.stale_block_digest_fixcrc.bin", "ecdsa_p384"),
            Map.entry("bootloader_unsigned_v2.bin", image -> {
                ImageVerification plain = ImageVerifier.verify(image);
                assertThat(plain.valid()).isTrue();
                assertThat(plain.kind()).contains(ImageKind.BOOTLOADER);
                assertThat(plain.imageLength()).isEqualTo(30480);
                assertThat(plain.segments()).hasSize(4);
                assertThat(verify(image, SignaturePolicy.secureBootV2(List.of(espressifKey("rsa_secure_boot_signing_pubkey.pem"))))
                        .has(ImageError.SIGNATURE_MISSING)).isTrue();
            }),
            espressifAccepted("bootloader_signed_v2_rsa.bin", "rsa_secure_boot_signing_pubkey.pem"),
            espressifAccepted("bootloader_signed_v2_ecdsa192.bin", "ecdsa192_secure_boot_signing_pubkey.pem"),
            espressifAccepted("bootloader_signed_v2_ecdsa256.bin", "ecdsa256_secure_boot_signing_pubkey.pem"),
            espressifAccepted("bootloader_signed_v2_ecdsa384.bin", "ecdsa384_secure_boot_signing_pubkey.pem"),
            Map.entry("bootloader_multi_signed_v2_rsa.bin", image -> {
                List<String> keys = List.of("rsa_secure_boot_signing_pubkey.pem", "rsa_secure_boot_signing_pubkey2.pem",
                        "rsa_secure_boot_signing_pubkey3_extracted.pem");
                for (int i = 0; i < keys.size(); i++) {
                    ImageVerification r = verify(image,
                            SignaturePolicy.secureBootV2(List.of(espressifKey(keys.get(i)))));
                    assertThat(r.valid()).as("block %d with %s", i, keys.get(i)).isTrue();
                    assertThat(r.signature().orElseThrow().acceptedBlock()).isEqualTo(i);
                }
                assertThat(verify(image, SignaturePolicy.signedOnUpdate(espressifKey(keys.get(1)))).valid()).isFalse();
                assertThat(SignatureSector.parse(java.util.Arrays.copyOfRange(image, 0x8000, 0x9000)).blocks())
                        .hasSize(3);
            }));

    static List<Manifest.Row> rows() {
        return Manifest.rowsUnder("signed");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyManifestRowGivesTheExpectedResult(Manifest.Row row) {
        byte[] bytes = VectorFiles.checked(row);
        Consumer<byte[]> expectation = VectorFiles.expectation(row, EXPECTED,
                Path.of(row.file()).getFileName().toString());
        expectation.accept(bytes);
    }

    private static Map.Entry<String, Consumer<byte[]>> digest(String name, String hex) {
        return Map.entry(name, bytes -> {
            if (name.endsWith(".bin")) {
                assertThat(HexFormat.of().formatHex(bytes)).isEqualTo(hex);
                return;
            }
            String pem = new String(bytes, StandardCharsets.US_ASCII);
            SecureBootKey key = PemKeys.isPrivate(pem) ? SecureBootSigner.from(PemKeys.privateKey(pem)).publicKey()
                    : SecureBootKey.from(PemKeys.publicKey(pem));
            assertThat(key.digestHex()).isEqualTo(hex);
        });
    }

    private static Map.Entry<String, Consumer<byte[]>> accepted(String name, String key) {
        return Map.entry(name, image -> {
            SecureBootKey trusted = key(key);
            assertAccepted(image, trusted);
            assertThat(verify(image, SignaturePolicy.secureBootV2(List.of(trusted))).valid()).as("SBv2").isTrue();
        });
    }

    private static Map.Entry<String, Consumer<byte[]>> espressifAccepted(String name, String key) {
        return Map.entry(name, image -> {
            SecureBootKey trusted = espressifKey(key);
            assertThat(verify(image, SignaturePolicy.secureBootV2(List.of(trusted)).withMaxBlocks(1)).valid())
                    .as("ESP32 Secure Boot V2").isTrue();
            assertAccepted(image, trusted);
        });
    }

    private static Map.Entry<String, Consumer<byte[]>> rejectedImageValid(String name, String key) {
        return Map.entry(name, image -> {
            ImageVerification r = assertRejected(image, key, ImageError.SIGNATURE_INVALID);
            assertThat(r.findings()).extracting(ImageFinding::error).containsExactly(ImageError.SIGNATURE_INVALID);
            assertThat(ImageVerifier.verify(image).valid()).as("image itself").isTrue();
        });
    }

    private static Map.Entry<String, Consumer<byte[]>> stale(String name, String key) {
        return Map.entry(name, image -> {
            ImageVerification strict = assertRejected(image, key, ImageError.SIGNATURE_INVALID);
            assertThat(strict.signature().orElseThrow().reason()).contains("stale");
            assertThat(verify(image, SignaturePolicy.signedOnUpdate(key(key)).ignoringStoredImageDigest()).valid())
                    .as("ESP-IDF's app-side OTA check never reads the stored digest").isTrue();
        });
    }

    private static void assertAccepted(byte[] image, SecureBootKey trusted) {
        ImageVerification r = verify(image, SignaturePolicy.signedOnUpdate(trusted));
        assertThat(r.findings()).as("NO_SB with %s", trusted).isEmpty();
        assertThat(r.signature().orElseThrow().acceptedBlock()).isZero();
    }

    private static ImageVerification assertRejected(byte[] image, String key, ImageError expected) {
        for (SignaturePolicy policy : List.of(SignaturePolicy.signedOnUpdate(key(key)),
                SignaturePolicy.secureBootV2(List.of(key(key))))) {
            ImageVerification r = verify(image, policy);
            assertThat(r.findings()).extracting(ImageFinding::error).as("%s", policy.mode()).contains(expected);
        }
        return verify(image, SignaturePolicy.signedOnUpdate(key(key)));
    }

    private static SignatureBlockException.Reason slot0Problem(byte[] image) {
        return SignatureSector.parse(java.util.Arrays.copyOfRange(image, 0x34000, 0x35000)).slots().get(0).problem()
                .orElseThrow().reason();
    }

    private static ImageVerification verify(byte[] image, SignaturePolicy policy) {
        return ImageVerifier.verify(image, VerifyOptions.defaults().signaturePolicy(policy));
    }

    static SecureBootKey key(String name) {
        return SecureBootKey.from(PemKeys.publicKey(text(KEYS + name + "_public_key.pem")));
    }

    private static SecureBootKey espressifKey(String file) {
        return SecureBootKey.from(PemKeys.publicKey(text(ESPRESSIF + file)));
    }

    private static String text(String relative) {
        return new String(Vectors.bytes(relative), StandardCharsets.US_ASCII);
    }
}
