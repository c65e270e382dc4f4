package dev.flota.flash.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.testing.Manifest;
import dev.flota.flash.testing.VectorFiles;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every row of MANIFEST.md under {@code app_images/}: the fields {@code esptool image-info} printed for it and the
 * verdict of {@code esp_image_verify}. A row without an expectation here fails, so no vector is silently skipped.
 */
class AppImageVectorsTest {

    record Header(String chip, int chipId, String spiMode, String spiSpeed, String flashSize, int segments,
            int checksum, String sha256Prefix, long imageLength, ImageKind kind, int maxRevFull) {
    }

    private static final Header C3 = new Header("esp32c3", 5, "DIO", "80m", "4MB", 6, 0x59, "db443b14", 211008,
            ImageKind.APP, 0);
    private static final Header C6 = new Header("esp32c6", 13, "QIO", null, "1MB", 1, 0x31, "99b0e698", 336,
            ImageKind.APP, -1);

    /** File name → expected header facts (null where the row gives none) and expected findings. */
    private static final Map<String, Expectation> EXPECTED = Map.ofEntries(
            valid("esp32_app_template.bin", new Header("esp32", 0, "DIO", "40m", "4MB", 5, 0x20, "276e1fd4", 601808,
                    ImageKind.APP, 399)),
            valid("esp32c3_hello_world_idf4.4.bin", C3),
            valid("esp32c6_appdesc_markers.bin", C6),
            valid("esp32s2_blink_idf5.0.bin", new Header("esp32s2", 2, "DIO", "80m", "2MB", 6, 0x18, "10f48f4a",
                    182368, ImageKind.APP, -1)),
            valid("esp32c6_appdesc_markers_nodigest.bin", new Header("esp32c6", 13, "QIO", null, "1MB", 1, 0x31,
                    null, 304, ImageKind.APP, -1)),
            valid("esp32_bootloader_idf5.2dev.bin", new Header("esp32", 0, "DOUT", "40m", "2MB", 4, 0xbe, "10cec8cf",
                    26768, ImageKind.BOOTLOADER, 399)),
            invalid("esp32c3_hello_world.flip_segdata.bin", ImageError.CHECKSUM_MISMATCH, ImageError.SHA256_MISMATCH),
            invalid("esp32c3_hello_world.flip_header_spimode.bin", ImageError.SHA256_MISMATCH),
            invalid("esp32c3_hello_world.flip_checksum.bin", ImageError.CHECKSUM_MISMATCH, ImageError.SHA256_MISMATCH),
            invalid("esp32c3_hello_world.flip_digest.bin", ImageError.SHA256_MISMATCH),
            invalid("esp32c3_hello_world.truncated_no_digest.bin", ImageError.TRUNCATED),
            invalid("esp32c3_hello_world.truncated_midsegment.bin", ImageError.TRUNCATED),
            invalid("esp32c6_appdesc_markers.flip_segdata.bin", ImageError.CHECKSUM_MISMATCH,
                    ImageError.SHA256_MISMATCH),
            invalid("esp32c6_appdesc_markers.bad_magic.bin", ImageError.INVALID_MAGIC),
            invalid("esp32c6_appdesc_markers.segcount17.bin", ImageError.TOO_MANY_SEGMENTS),
            invalid("esp32c6_appdesc_markers.seglen_unaligned.bin", ImageError.SEGMENT_LENGTH_UNALIGNED),
            valid("esp32c6_appdesc_markers.trailing_ff_padding.bin", C6));

    record Expectation(Header header, Set<ImageError> errors) {
    }

    static List<Manifest.Row> rows() {
        return Manifest.rowsUnder("app_images");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void everyManifestRowGivesTheExpectedResult(Manifest.Row row) {
        byte[] image = VectorFiles.checked(row);
        Expectation expected = VectorFiles.expectation(row, EXPECTED,
                Path.of(row.file()).getFileName().toString());
        ImageVerification result = ImageVerifier.verify(image);

        assertThat(result.findings().stream().map(ImageFinding::error).collect(Collectors.toSet()))
                .as("findings of %s: %s", row.file(), result.findings())
                .isEqualTo(expected.errors());
        assertThat(result.valid()).isEqualTo(expected.errors().isEmpty());
        if (expected.header() != null) {
            assertHeader(result, expected.header());
        }
        assertThat(ImageVerifier.verify(image, VerifyOptions.defaults()).findings()).isEqualTo(result.findings());
    }

    private static void assertHeader(ImageVerification result, Header expected) {
        ImageHeader header = result.header().orElseThrow();
        assertThat(header.chip().orElseThrow().esptoolName()).isEqualTo(expected.chip());
        assertThat(header.chipId()).isEqualTo(expected.chipId());
        assertThat(header.spiModeName()).isEqualTo(expected.spiMode());
        if (expected.spiSpeed() != null) {
            assertThat(header.spiSpeedName()).isEqualTo(expected.spiSpeed());
        }
        assertThat(header.flashSizeName()).isEqualTo(expected.flashSize());
        assertThat(result.segments()).hasSize(expected.segments());
        assertThat(result.storedChecksum()).contains(expected.checksum());
        assertThat(result.computedChecksum()).isEqualTo(expected.checksum());
        if (expected.sha256Prefix() != null) {
            assertThat(result.storedSha256().orElseThrow()).startsWith(expected.sha256Prefix());
            assertThat(result.sha256Valid()).isTrue();
        } else {
            assertThat(header.isHashAppended()).isFalse();
            assertThat(result.storedSha256()).isEmpty();
        }
        assertThat(result.imageLength()).isEqualTo(expected.imageLength());
        assertThat(result.kind()).contains(expected.kind());
        if (expected.maxRevFull() >= 0) {
            assertThat(header.maxChipRevFull()).isEqualTo(expected.maxRevFull());
        }
    }

    private static Map.Entry<String, Expectation> valid(String name, Header header) {
        return Map.entry(name, new Expectation(header, Set.of()));
    }

    private static Map.Entry<String, Expectation> invalid(String name, ImageError first, ImageError... more) {
        return Map.entry(name, new Expectation(null, EnumSet.of(first, more)));
    }
}
