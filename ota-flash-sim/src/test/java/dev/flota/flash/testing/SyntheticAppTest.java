package dev.flota.flash.testing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.ImageVerifier;
import java.io.ByteArrayOutputStream;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;
import org.junit.jupiter.api.Test;

class SyntheticAppTest {

    @Test
    void compressibleContentDeflatesLikeRealFirmwareAndStillVerifies() {
        byte[] noise = SyntheticApp.of("1.0.0").sized(1024 * 1024);
        byte[] firmwareLike = SyntheticApp.of("1.0.0").compressible().sized(1024 * 1024);

        assertThat(ImageVerifier.verify(firmwareLike).valid()).isTrue();
        assertThat(firmwareLike).hasSameSizeAs(noise);
        assertThat(deflatedRatio(firmwareLike)).isBetween(0.5, 0.65);
        assertThat(deflatedRatio(noise)).as("noise, but for the header and the MMU-page padding").isGreaterThan(0.9);
    }

    private static double deflatedRatio(byte[] data) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (DeflaterOutputStream deflating = new DeflaterOutputStream(out, new Deflater(9))) {
            deflating.write(data);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return (double) out.size() / data.length;
    }
}
