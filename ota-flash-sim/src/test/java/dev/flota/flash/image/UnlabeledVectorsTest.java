package dev.flota.flash.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.secureboot.SignatureBlock;
import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.flash.secureboot.SignatureSector;
import dev.flota.flash.testing.Vectors;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every file under {@code vectors/unlabeled}: the verifier gives a result (never an exception), the same in chunks as
 * whole, and where the file name says how it was made (Espressif's real builds, or one-field corruptions), that result.
 */
class UnlabeledVectorsTest {

    static List<Path> files() throws IOException {
        Path root = Vectors.root().resolve("unlabeled");
        try (Stream<Path> walk = Files.walk(root)) {
            return walk.filter(Files::isRegularFile).sorted().toList();
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("files")
    void everyFileGetsAResultOrATypedError(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ImageVerification whole = ImageVerifier.verify(bytes);
        ImageVerifier chunked = ImageVerifier.create(VerifyOptions.defaults());
        Random random = new Random(file.getFileName().toString().hashCode());
        for (int offset = 0; offset < bytes.length; ) {
            int n = Math.min(bytes.length - offset, 1 + random.nextInt(65536));
            chunked.update(ByteBuffer.wrap(bytes, offset, n));
            offset += n;
        }
        assertThat(chunked.finish()).usingRecursiveComparison().isEqualTo(whole);

        String name = file.getFileName().toString();
        List<ImageError> errors = whole.findings().stream().map(ImageFinding::error).toList();
        if (name.endsWith(".enc.bin")) {
            assertThat(errors).as("pre-encrypted, not a plain image").containsExactly(ImageError.INVALID_MAGIC);
        } else if (name.contains(".bad_magic")) {
            assertThat(errors).containsExactly(ImageError.INVALID_MAGIC);
        } else if (name.contains(".flip_checksum") || name.contains(".flip_segdata")
                || name.contains(".flip_image_byte")) {
            assertThat(errors).containsExactly(ImageError.CHECKSUM_MISMATCH, ImageError.SHA256_MISMATCH);
        } else if (name.contains(".flip_digest") || name.contains(".flip_header")) {
            assertThat(errors).containsExactly(ImageError.SHA256_MISMATCH);
        } else if (name.contains(".seglen_unaligned")) {
            assertThat(errors).containsExactly(ImageError.SEGMENT_LENGTH_UNALIGNED);
        } else if (name.contains(".truncated")) {
            assertThat(errors).containsExactly(ImageError.TRUNCATED);
        } else {
            assertThat(errors).as("real build or padded copy").isEmpty();
            assertThat(whole.kind()).contains(name.contains("bootloader") ? ImageKind.BOOTLOADER : ImageKind.APP);
            assertThat(whole.storedSha256().isPresent()).isEqualTo(!name.contains("nodigest"));
        }
        if (file.getParent().toString().contains("signed")) {
            checkSignatureAgainstItsOwnKey(bytes, whole, name,
                    file.getParent().getFileName().toString().equals("corrupt"));
        }
    }

    /** Trusting the key found in block 0 itself, a signed file verifies exactly when it is not a corrupted copy. */
    private static void checkSignatureAgainstItsOwnKey(byte[] bytes, ImageVerification image, String name,
            boolean corrupt) {
        long sectorAt = (image.imageLength() + 4095) / 4096 * 4096;
        if (bytes.length < sectorAt + SignatureSector.SIZE) {
            assertThat(name).contains("sig_sector_removed");
            return;
        }
        SignatureSector sector = SignatureSector.parse(Arrays.copyOfRange(bytes, (int) sectorAt,
                (int) sectorAt + SignatureSector.SIZE));
        Optional<SignatureBlock> block0 = sector.slots().get(0).block();
        if (block0.isEmpty()) {
            assertThat(name).containsAnyOf("bad_block_magic", "nocrcfix");
            return;
        }
        SignaturePolicy policy = SignaturePolicy.signedOnUpdate(block0.get().key());
        ImageVerification signed = ImageVerifier.verify(bytes, VerifyOptions.defaults().signaturePolicy(policy));
        assertThat(signed.valid()).as("%s: %s", name, signed.findings()).isEqualTo(!corrupt);
    }
}
