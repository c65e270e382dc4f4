package dev.flota.flash.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.testing.Vectors;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Rebuilding esptool's images from their parsed parts gives esptool's bytes. */
class ImageBuilderVectorsTest {

    @ParameterizedTest
    @ValueSource(strings = {"app_images/esp32_app_template.bin", "app_images/esp32c3_hello_world_idf4.4.bin",
            "app_images/esp32c6_appdesc_markers.bin", "app_images/esp32s2_blink_idf5.0.bin",
            "app_images/esp32c6_appdesc_markers_nodigest.bin", "app_images/esp32_bootloader_idf5.2dev.bin",
            "signed/app_unsigned_securepad.bin"})
    void rebuildIsByteIdentical(String vector) {
        byte[] original = Vectors.bytes(vector);
        ImageVerification parsed = ImageVerifier.verify(original);
        ImageBuilder builder = ImageBuilder.like(parsed.header().orElseThrow());
        for (ImageSegment s : parsed.segments()) {
            builder.segment(s.loadAddress(), Arrays.copyOfRange(original, (int) s.dataOffset(),
                    (int) (s.dataOffset() + s.length())));
        }
        assertThat(builder.build()).isEqualTo(Arrays.copyOf(original, (int) parsed.imageLength()));
    }
}
