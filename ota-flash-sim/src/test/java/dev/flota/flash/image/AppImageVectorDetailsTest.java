package dev.flota.flash.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.testing.Vectors;
import org.junit.jupiter.api.Test;

/** Field-level facts MANIFEST.md states for particular app images: descriptors, segment tables, revisions. */
class AppImageVectorDetailsTest {

    @Test
    void esp32AppTemplateSegmentsAndDescriptor() {
        ImageVerification r = ImageVerifier.verify(Vectors.bytes("app_images/esp32_app_template.bin"));
        assertThat(r.segments()).extracting(ImageSegment::loadAddress, ImageSegment::length).containsExactly(
                org.assertj.core.groups.Tuple.tuple(0x3f400020L, 0x18c0cL),
                org.assertj.core.groups.Tuple.tuple(0x3ffb0000L, 0x2d8cL),
                org.assertj.core.groups.Tuple.tuple(0x40080000L, 0x4648L),
                org.assertj.core.groups.Tuple.tuple(0x400d0018L, 0x67a90L),
                org.assertj.core.groups.Tuple.tuple(0x40084648L, 0xb3f0L));
        ImageHeader h = r.header().orElseThrow();
        assertThat(h.entryAddress()).isEqualTo(0x4008167cL);
        assertThat(h.minChipRevFull()).isZero();
        AppDescription d = r.appDescription().orElseThrow();
        assertThat(d.projectName()).isEqualTo("app-template");
        assertThat(d.version()).isEqualTo("1cd5752");
        assertThat(d.idfVersion()).isEqualTo("v4.0-dev-30-g31ca6e399");
        assertThat(d.date()).isEqualTo("Mar 18 2019");
        assertThat(d.time()).isEqualTo("10:47:33");
        assertThat(d.secureVersion()).isZero();
        assertThat(d.elfSha256()).isEqualTo("138cb4392e3b79803b69e554ee515713d3ace655f5dab3f9fc08b1cfbfd6d727");
    }

    @Test
    void esp32c3HelloWorldLegacyRevisionAndDescriptor() {
        ImageVerification r = ImageVerifier.verify(Vectors.bytes("app_images/esp32c3_hello_world_idf4.4.bin"));
        ImageHeader h = r.header().orElseThrow();
        assertThat(h.minChipRev()).isEqualTo(3);
        assertThat(h.minChipRevFull()).isZero();
        assertThat(h.maxChipRevision()).isEmpty();
        AppDescription d = r.appDescription().orElseThrow();
        assertThat(d).extracting(AppDescription::projectName, AppDescription::version, AppDescription::idfVersion,
                AppDescription::date, AppDescription::time)
                .containsExactly("hello_world", "v4.4-dirty", "v4.4-dirty", "Apr 24 2022", "21:56:36");
        assertThat(d.elfSha256()).isEqualTo("8952c1ab62f7dd857fb69e1902c843be98ab12d36910629ac43b38bf7bcb91b0");
        assertThat(r.computedSha256()).contains("db443b14059e8af20eb974e57c250d59f44f3f01b2e8c92b25144b8d01adb78a");
    }

    @Test
    void markerDescriptorFillsEveryFieldToItsWidth() {
        AppDescription d = ImageVerifier.verify(Vectors.bytes("app_images/esp32c6_appdesc_markers.bin"))
                .appDescription().orElseThrow();
        assertThat(d.secureVersion()).isEqualTo(0xFFFFFFFFL);
        assertThat(d.version()).isEqualTo("_".repeat(31));
        assertThat(d.projectName()).isEqualTo("-".repeat(31));
        // MANIFEST.md names them the other way round; the bytes follow esp_app_desc_t (time at +80, date at +96),
        // which the real hello_world image confirms ("21:56:36" at +80).
        assertThat(d.time()).isEqualTo("x".repeat(15));
        assertThat(d.date()).isEqualTo("y".repeat(15));
        assertThat(d.idfVersion()).isEqualTo("z".repeat(31));
        assertThat(d.minEfuseBlkRevFull()).isEqualTo(0xFFFF);
        assertThat(d.maxEfuseBlkRevFull()).isEqualTo(0xFFFF);
        assertThat(d.elfSha256()).isEqualTo("10eb99e6b6bc87b9cafe81135d0993376207292653c67cf4f8b772bd7e44867a");
        ImageVerification r = ImageVerifier.verify(Vectors.bytes("app_images/esp32c6_appdesc_markers.bin"));
        assertThat(r.segments()).containsExactly(new ImageSegment(0x42000020L, 0x100, 32));
    }

    @Test
    void blinkIdfVersionFillsTheFieldWithoutNul() {
        ImageVerification r = ImageVerifier.verify(Vectors.bytes("app_images/esp32s2_blink_idf5.0.bin"));
        AppDescription d = r.appDescription().orElseThrow();
        assertThat(d.projectName()).isEqualTo("blink");
        assertThat(d.version()).isEqualTo("qa-test-v5.0-20220830-4-g4532e6");
        assertThat(d.idfVersion()).isEqualTo("v5.0-beta1-427-g4532e6e0b2-dirt");
        assertThat(d.date()).isEqualTo("Sep 13 2022");
        assertThat(d.time()).isEqualTo("19:46:07");
        assertThat(r.segments().get(5)).extracting(ImageSegment::loadAddress, ImageSegment::length)
                .containsExactly(0x50000000L, 16L);
    }

    @Test
    void bootloaderDescriptorAndKind() {
        ImageVerification r = ImageVerifier.verify(Vectors.bytes("app_images/esp32_bootloader_idf5.2dev.bin"));
        assertThat(r.appDescription()).isEmpty();
        BootloaderDescription d = r.bootloaderDescription().orElseThrow();
        assertThat(d).isEqualTo(new BootloaderDescription(0, 1, "v5.2-dev-254-g1950b15", "Apr 25 2023 00:13:32"));
        assertThat(r.segments().get(0).loadAddress()).isEqualTo(0x3fff0030L);

        ImageVerification asApp = ImageVerifier.verify(Vectors.bytes("app_images/esp32_bootloader_idf5.2dev.bin"),
                VerifyOptions.defaults().expectKind(ImageKind.APP));
        assertThat(asApp.findings()).extracting(ImageFinding::error)
                .containsExactly(ImageError.MISSING_APP_DESCRIPTION);
    }

    @Test
    void trailingPaddingIsReadButNotPartOfTheImage() {
        ImageVerification r = ImageVerifier.verify(
                Vectors.bytes("app_images/corrupt/esp32c6_appdesc_markers.trailing_ff_padding.bin"));
        assertThat(r.imageLength()).isEqualTo(336);
        assertThat(r.bytesRead()).isEqualTo(8192);
    }

    @Test
    void headerFlipLeavesTheChecksumValid() {
        ImageVerification r = ImageVerifier.verify(
                Vectors.bytes("app_images/corrupt/esp32c3_hello_world.flip_header_spimode.bin"));
        assertThat(r.checksumValid()).isTrue();
        assertThat(r.sha256Valid()).isFalse();
    }
}
