package dev.flota.flash.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.testing.TestImages;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/** esp_image_verify's rules, on images the test builds itself. */
class ImageVerifierTest {

    private static final byte[] APP = TestImages.app(Chip.ESP32_C3, "1.0.0", 70_000);

    @ParameterizedTest
    @EnumSource(Chip.class)
    void builtImagesVerifyOnEveryChip(Chip chip) {
        byte[] image = TestImages.app(chip, "2.0", 5000);
        ImageVerification r = ImageVerifier.verify(image, VerifyOptions.defaults().device(chip, 0)
                .expectKind(ImageKind.APP).partitionSize(0x100000));
        assertThat(r.findings()).isEmpty();
        assertThat(r.kind()).contains(ImageKind.APP);
        assertThat(r.imageLength()).isEqualTo(image.length);
        assertThat(r.appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(r.header().orElseThrow().chip()).contains(chip);
    }

    @Test
    void flashMappedSegmentsArePaddedToTheirMmuPage() {
        ImageVerification r = ImageVerifier.verify(APP);
        for (ImageSegment s : r.segments()) {
            if (Chip.ESP32_C3.isFlashMapped(s.loadAddress())) {
                assertThat(s.dataOffset() % 0x10000).isEqualTo(s.loadAddress() % 0x10000);
            }
        }
        assertThat(r.segments()).anyMatch(s -> s.loadAddress() == 0);
    }

    @Test
    void imageWithoutDigestEndsAtTheChecksum() {
        byte[] image = TestImages.builder(Chip.ESP32_S3, "nodigest", 100).hashAppended(false).build();
        ImageVerification r = ImageVerifier.verify(image);
        assertThat(r.valid()).isTrue();
        assertThat(image.length % 16).isZero();
        assertThat(r.storedSha256()).isEmpty();
        assertThat(r.imageLength()).isEqualTo(image.length);
    }

    @Test
    void wrongChipAndRevisionsAreAllReported() {
        byte[] image = TestImages.builder(Chip.ESP32_C3, "rev", 100).chipRevisions(3, 99).build();
        assertThat(errors(image, VerifyOptions.defaults().device(Chip.ESP32_S3, 0)))
                .containsExactly(ImageError.CHIP_ID_MISMATCH);
        assertThat(errors(image, VerifyOptions.defaults().device(Chip.ESP32_C3, 2)))
                .containsExactly(ImageError.CHIP_REVISION_TOO_LOW);
        assertThat(errors(image, VerifyOptions.defaults().device(Chip.ESP32_C3, 100)))
                .containsExactly(ImageError.CHIP_REVISION_TOO_HIGH);
        assertThat(errors(image, VerifyOptions.defaults().device(Chip.ESP32_C3, 99))).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 0xFFFF})
    void maxRevisionZeroOrFfffMeansUnbounded(int max) {
        byte[] image = TestImages.builder(Chip.ESP32_C3, "rev", 100).chipRevisions(0, max).build();
        assertThat(errors(image, VerifyOptions.defaults().device(Chip.ESP32_C3, 9999))).isEmpty();
    }

    @Test
    void checksumAndDigestFindingsAreBothReported() {
        byte[] image = APP.clone();
        image[200] ^= 0x40;
        assertThat(errors(image, VerifyOptions.defaults()))
                .containsExactly(ImageError.CHECKSUM_MISMATCH, ImageError.SHA256_MISMATCH);
    }

    @Test
    void imageLargerThanThePartitionIsRefused() {
        assertThat(errors(APP, VerifyOptions.defaults().partitionSize(APP.length - 1)))
                .containsExactly(ImageError.IMAGE_TOO_LARGE);
        assertThat(errors(APP, VerifyOptions.defaults().partitionSize(APP.length))).isEmpty();
    }

    @Test
    void appWithShortFirstSegmentIsRefused() {
        byte[] image = ImageBuilder.like(ImageVerifier.verify(APP).header().orElseThrow())
                .segment(Chip.ESP32_C3.dromBase() + 0x20, Arrays.copyOf(TestImages.description("x", 0).encode(), 252))
                .build();
        ImageVerification r = ImageVerifier.verify(image);
        assertThat(r.findings()).extracting(ImageFinding::error).contains(ImageError.FIRST_SEGMENT_TOO_SHORT);
    }

    @Test
    void misalignedFlashSegmentIsRefused() {
        byte[] image = APP.clone();
        ImageVerification parsed = ImageVerifier.verify(image);
        int index = parsed.segments().size() - 1;
        ImageSegment last = parsed.segments().get(index);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt((int) last.dataOffset() - 8,
                (int) last.loadAddress() + 4);
        assertThat(errors(image, VerifyOptions.defaults()))
                .containsExactly(ImageError.SEGMENT_MMU_MISALIGNED, ImageError.SHA256_MISMATCH);
    }

    @Test
    void segmentCount255StopsAtTheHeader() {
        byte[] image = APP.clone();
        image[1] = (byte) 255;
        ImageVerification r = ImageVerifier.verify(image);
        assertThat(r.findings()).extracting(ImageFinding::error).containsExactly(ImageError.TOO_MANY_SEGMENTS);
        assertThat(r.findings().get(0).message()).contains("255");
    }

    @Test
    void gigabyteSegmentLengthIsRefusedWithoutAllocating() {
        byte[] image = APP.clone();
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(ImageHeader.SIZE + 4, 0xFFFFFFFC);
        assertThat(errors(image, VerifyOptions.defaults())).containsExactly(ImageError.SEGMENT_TOO_LARGE);
        ByteBuffer.wrap(image).order(ByteOrder.LITTLE_ENDIAN).putInt(ImageHeader.SIZE + 4, 0x1000000);
        assertThat(errors(image, VerifyOptions.defaults())).containsExactly(ImageError.SEGMENT_TOO_LARGE);
    }

    @Test
    void everyTruncationGivesATypedFinding() {
        byte[] image = ImageBuilder.app(Chip.ESP32_C6, TestImages.description("t", 0))
                .segment(0x40800000L, new byte[64]).build();
        for (int length = 0; length < image.length; length++) {
            ImageVerification r = ImageVerifier.verify(Arrays.copyOf(image, length));
            assertThat(r.findings()).as("prefix of %d bytes", length).extracting(ImageFinding::error)
                    .containsExactly(ImageError.TRUNCATED);
            assertThat(r.bytesRead()).isEqualTo(length);
        }
    }

    @Test
    void randomGarbageNeverThrows() {
        Random random = new Random(7);
        for (int i = 0; i < 2000; i++) {
            byte[] garbage = new byte[random.nextInt(600)];
            random.nextBytes(garbage);
            if (garbage.length > 0 && random.nextBoolean()) {
                garbage[0] = (byte) ImageHeader.MAGIC;
            }
            ImageVerification r = ImageVerifier.verify(garbage, VerifyOptions.defaults().expectKind(ImageKind.APP)
                    .device(Chip.ESP32_C3, 3).partitionSize(0x10000));
            assertThat(r.valid()).isFalse();
        }
    }

    @Test
    void anyChunkingGivesTheWholeBufferResult() {
        byte[] image = APP.clone();
        image[5000] ^= 1;
        ImageVerification whole = ImageVerifier.verify(image);
        Random random = new Random(42);
        for (int maxChunk : List.of(1, 7, 16, 4096, 65536)) {
            ImageVerifier verifier = ImageVerifier.create(VerifyOptions.defaults());
            int offset = 0;
            while (offset < image.length) {
                int n = Math.min(image.length - offset, 1 + random.nextInt(maxChunk));
                verifier.update(ByteBuffer.wrap(image, offset, n).slice());
                offset += n;
            }
            assertThat(verifier.finish()).as("chunks up to %d bytes", maxChunk).usingRecursiveComparison()
                    .isEqualTo(whole);
        }
    }

    @Test
    void headerAndDescriptorAreAvailableBeforeTheImageEnds() {
        ImageVerifier verifier = ImageVerifier.create(VerifyOptions.defaults());
        verifier.update(ByteBuffer.wrap(APP, 0, 100));
        assertThat(verifier.header()).isPresent();
        assertThat(verifier.appDescription()).isEmpty();
        verifier.update(ByteBuffer.wrap(APP, 100, 188));
        assertThat(verifier.appDescription().orElseThrow().version()).isEqualTo("1.0.0");
    }

    @Test
    void streamingSixtyFourMegabytesNeedsNoImageSizedBuffer() {
        ImageVerifier verifier = ImageVerifier.create(VerifyOptions.defaults());
        byte[] header = new ImageHeader(ImageHeader.MAGIC, 16, 2, 0, 2, 0x40080000L, 0xEE, 0, 0, 0, 0, 0, 0, 1)
                .encode();
        verifier.update(ByteBuffer.wrap(header));
        ByteBuffer chunk = ByteBuffer.allocate(65536);
        long length = 4L * 1024 * 1024;
        for (int s = 0; s < 16; s++) {
            verifier.update(ByteBuffer.wrap(new SegmentHeader(0x3FFB0000L, length).encode()));
            for (long sent = 0; sent < length; sent += chunk.capacity()) {
                chunk.clear().limit((int) Math.min(chunk.capacity(), length - sent));
                verifier.update(chunk);
            }
        }
        ImageVerification r = verifier.finish();
        assertThat(r.bytesRead()).isGreaterThan(64_000_000L);
        assertThat(r.findings()).extracting(ImageFinding::error).containsExactly(ImageError.TRUNCATED);
    }

    @Test
    void updateAfterFinishIsAProgrammingError() {
        ImageVerifier verifier = ImageVerifier.create(VerifyOptions.defaults());
        verifier.update(ByteBuffer.wrap(APP)).finish();
        org.assertj.core.api.Assertions.assertThatIllegalStateException()
                .isThrownBy(() -> verifier.update(ByteBuffer.allocate(1)));
    }

    private static List<ImageError> errors(byte[] image, VerifyOptions options) {
        return ImageVerifier.verify(image, options).findings().stream().map(ImageFinding::error).toList();
    }
}
