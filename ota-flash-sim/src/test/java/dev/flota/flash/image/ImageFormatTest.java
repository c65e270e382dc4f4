package dev.flota.flash.image;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.FormatException;
import dev.flota.flash.testing.TestImages;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** The value types: parse and encode round trips, names, the chip table. */
class ImageFormatTest {

    @Test
    void headerRoundTripsEveryField() {
        ImageHeader header = new ImageHeader(0xE9, 3, 2, 0xF, 2, 0x40380000L, 0xEE, 0x123456, 5, 3, 3, 199,
                0xA5A5A5A5L, 1);
        ImageHeader parsed = ImageHeader.parse(header.encode(), 0);
        assertThat(parsed).isEqualTo(header);
        assertThat(header.encode()[3]).isEqualTo((byte) 0x2F);
        assertThat(parsed.spiModeName()).isEqualTo("DIO");
        assertThat(parsed.spiSpeedName()).isEqualTo("80m");
        assertThat(parsed.flashSizeName()).isEqualTo("4MB");
        assertThat(parsed.maxChipRevision()).contains(199);
    }

    @Test
    void descriptorsRoundTrip() {
        AppDescription app = new AppDescription(7, "v1.2.3", "proj", "10:11:12", "Jan  1 2026", "v5.5",
                "ab".repeat(32), 1, 299, 16, 3);
        assertThat(AppDescription.parse(app.encode(), 0)).isEqualTo(app);
        BootloaderDescription boot = new BootloaderDescription(2, 5, "v5.3", "Jan 01 2026 00:00:00");
        assertThat(BootloaderDescription.parse(boot.encode(), 0)).isEqualTo(boot);
    }

    @Test
    void fullWidthStringsHaveNoTerminator() {
        AppDescription app = TestImages.description("v".repeat(32), 0);
        assertThat(AppDescription.parse(app.encode(), 0).version()).hasSize(32);
        assertThatThrownBy(() -> TestImages.description("v".repeat(33), 0).encode())
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shortInputGivesFormatExceptions() {
        assertThatThrownBy(() -> ImageHeader.parse(new byte[23], 0)).isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> SegmentHeader.parse(new byte[7], 0)).isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> AppDescription.parse(new byte[255], 0)).isInstanceOf(FormatException.class);
        assertThatThrownBy(() -> AppDescription.parse(new byte[256], 0)).isInstanceOf(FormatException.class)
                .hasMessageContaining("magic");
        assertThatThrownBy(() -> BootloaderDescription.parse(new byte[79], 0)).isInstanceOf(FormatException.class);
    }

    @Test
    void chipTableMatchesEspIdf() {
        assertThat(Arrays.stream(Chip.values()).mapToInt(Chip::id))
                .containsExactly(0, 2, 5, 9, 12, 13, 16, 18, 20, 23, 25, 28, 31, 32);
        assertThat(Chip.byName("ESP32-C3")).contains(Chip.ESP32_C3);
        assertThat(Chip.byName("esp32h2").orElseThrow().flashSpeedName(0xF)).isEqualTo("48m");
        assertThat(Chip.ESP32_C2.flashSpeedName(0xF)).isEqualTo("60m");
        assertThat(Chip.byId(0xFFFF)).isEmpty();
        assertThat(Chip.ESP32.bootloaderOffset()).isEqualTo(0x1000);
        assertThat(Chip.ESP32_C3.bootloaderOffset()).isZero();
        assertThat(Chip.ESP32_P4.bootloaderOffset()).isEqualTo(0x2000);
    }
}
