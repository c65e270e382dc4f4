package dev.flota.ota;

import dev.flota.flash.image.Chip;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.ImageBuilder;
import dev.flota.flash.image.ImageHeader;
import dev.flota.flash.image.SegmentHeader;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;

/**
 * The images one {@link MatrixScenario} serves: app 2.0, plain or pre-encrypted, and for a changed image the app 3.0
 * of the same size that replaces it after {@link #replaceAfter()} requests.
 *
 * @param served      the file as served at the start
 * @param plaintext   what the device must hold once it installed {@code served}
 * @param replacement the file the server switches to, or null
 */
record MatrixImages(String name, boolean encrypted, byte[] served, byte[] plaintext, byte[] replacement,
        byte[] replacementPlaintext, int replaceAfter) {

    private static final long IROM_BASE = 0x4200_0000L;
    static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);

    static MatrixImages of(String name, int payload, boolean encrypted) {
        byte[] app = app("2.0", payload);
        return new MatrixImages(name + (encrypted ? "-encrypted" : "-plain"), encrypted, serve(app, encrypted), app,
                null, null, -1);
    }

    /** The same, with app 3.0 served instead after {@code requests} requests. */
    MatrixImages changedAfter(int requests) {
        byte[] app = app("3.0", plaintext.length - (app("2.0", 4096).length - 4096));
        if (app.length != plaintext.length) {
            throw new IllegalStateException("3.0 is " + app.length + " bytes, 2.0 " + plaintext.length);
        }
        return new MatrixImages(name, encrypted, served, plaintext, serve(app, encrypted), app, requests);
    }

    /**
     * An app of {@code payload} bytes of code, mapped right after its description so that no MMU-page padding (64 KiB
     * of it in {@link dev.flota.flash.testing.TestImages}'s layout) makes a small image large.
     */
    static byte[] app(String version, int payload) {
        byte[] code = new byte[payload];
        new java.util.Random(payload * 31L + version.hashCode()).nextBytes(code);
        long afterDescription = ImageHeader.SIZE + 2L * SegmentHeader.SIZE + AppDescription.SIZE;
        return ImageBuilder.app(Chip.ESP32_C3, TestImages.description(version, 0))
                .segment(IROM_BASE + afterDescription, code).build();
    }

    private static byte[] serve(byte[] app, boolean encrypted) {
        return encrypted ? ImageEncryptor.encrypt(app, EncryptionKey.forDevice(KEY)) : app;
    }

    byte[] finalImage() {
        return replacement != null ? replacement : served;
    }

    String finalVersion() {
        return replacement != null ? "3.0" : "2.0";
    }

    /** What the device holds of the image with {@code version}, or null for one never served. */
    byte[] plaintext(String version) {
        return version.equals("2.0") ? plaintext : version.equals("3.0") ? replacementPlaintext : null;
    }

    /** A directory serving {@link #served()} as {@code app.bin}, with a fixed modification time. */
    Path write(Path root) {
        try {
            Path dir = Files.createDirectories(root.resolve(name));
            Files.write(dir.resolve("app.bin"), served);
            Files.setLastModifiedTime(dir.resolve("app.bin"), FileTime.fromMillis(1_700_000_000_000L));
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
