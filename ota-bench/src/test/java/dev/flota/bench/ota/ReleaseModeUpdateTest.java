package dev.flota.bench.ota;

import static dev.flota.flash.testing.SecureBootDevices.signed;
import static dev.flota.flash.testing.SecureBootDevices.withBadSignature;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.encryption.FlashEncryptionKey;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.FlashEncryptionDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import dev.flota.flash.testing.Vectors;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Arrays;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 15, over the air: a signed, pre-encrypted image from nginx into a release-mode device on disk (Secure Boot V2
 * and flash encryption in release mode, made by {@code flash create}) with the command line only. {@code flash boot}
 * boots it and the slot holds what the chip's flash encryption would; a tampered signature leaves the old app booting.
 */
class ReleaseModeUpdateTest {

    private static final String TABLE = TestDevices.FACTORY_ONE_512K_SLOT;
    private static final long OTA_0 = 0x90000;
    private static final KeyPair TRUSTED = TestKeys.rsa3072("a");

    @TempDir
    Path dir;

    @Test
    void signedPreEncryptedImageFromNginxBootsAndATamperedOneDoesNot() throws Exception {
        assumeTrue(NginxServer.available(), "nginx is not installed: this end-to-end test is SKIPPED");
        byte[] next = signed(TestImages.app(Chip.ESP32_C3, "2.0", 40_000), TRUSTED);
        Path www = Files.createDirectories(dir.resolve("www"));
        encrypt(next, www.resolve("next.enc.bin"));
        encrypt(withBadSignature(next, 0), www.resolve("tampered.enc.bin"));
        SelfSignedCertificates tls = SelfSignedCertificates.generate();
        Path ca = tls.writeTo(dir.resolve("tls")).ca();
        Path flash = releaseModeDevice();

        try (NginxServer.Running nginx = NginxServer.create().directory(www).tls(tls.serverCertPem(),
                tls.serverKeyPem()).startNow()) {
            Cli tampered = update(1, flash, nginx.url("tampered.enc.bin"), ca);
            assertThat(tampered.err()).contains("ESP_ERR_OTA_VALIDATE_FAILED");
            assertThat(run(0, "flash", "boot", flash.toString(), "--json").json().get("booted").asText())
                    .as("the old app still boots").isEqualTo("factory");

            update(0, flash, nginx.url("next.enc.bin"), ca);
        }
        JsonNode boot = run(0, "flash", "boot", flash.toString(), "--json").json();
        assertThat(boot.get("booted").asText()).isEqualTo("ota_0");
        JsonNode info = run(0, "flash", "info", flash.toString(), "--json").json();
        assertThat(info.get("apps").get(1).get("appDescription").get("version").asText()).isEqualTo("2.0");
        assertThat(info.get("security").get("flashEncryption").get("mode").asText()).isEqualTo("RELEASE");
        assertThat(info.get("security").get("secureBoot").get("enabled").asBoolean()).isTrue();

        byte[] raw = Files.readAllBytes(flash);
        FlashCipher cipher = FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_C3, FlashEncryptionDevices.KEY_32));
        byte[] held = Arrays.copyOfRange(raw, (int) OTA_0, (int) OTA_0 + next.length);
        assertThat(held).as("the slot holds ciphertext, as on a chip").isEqualTo(cipher.encrypt(OTA_0, next));
    }

    private Path releaseModeDevice() throws Exception {
        Path table = Files.writeString(dir.resolve("table.csv"), TABLE);
        Path factory = Files.write(dir.resolve("factory.bin"), signed(TestImages.app(Chip.ESP32_C3, "1.0", 3000),
                TRUSTED));
        Path key = Files.write(dir.resolve("flash_encryption_key.bin"), FlashEncryptionDevices.KEY_32);
        Path flash = dir.resolve("device.bin");
        run(0, "flash", "create", flash.toString(), "--size", "2MB", "--chip", "esp32c3", "--partitions",
                table.toString(), "--factory", factory.toString(), "--secure-boot-key", publicPem(TRUSTED).toString(),
                "--flash-encryption-key", key.toString(), "--release");
        return flash;
    }

    private void encrypt(byte[] image, Path out) throws Exception {
        Path plain = Files.write(dir.resolve(out.getFileName() + ".plain"), image);
        run(0, "image", "encrypt", "--key", Vectors.file("encrypted/ecc256/device_pub_key.pem").toString(),
                plain.toString(), out.toString());
    }

    private static Cli update(int expected, Path flash, String url, Path ca) {
        return run(expected, "update", "--flash", flash.toString(), "--url", url, "--ca", ca.toString(),
                "--hmac-key", Vectors.file("encrypted/ecc256/device_hmac_key.bin").toString(), "--partial-size",
                "16K");
    }

    private Path publicPem(KeyPair key) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getPublic().getEncoded());
        return Files.writeString(dir.resolve("secure_boot_public.pem"), "-----BEGIN PUBLIC KEY-----\n" + body
                + "\n-----END PUBLIC KEY-----\n");
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
