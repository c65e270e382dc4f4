package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.loader.LoaderServer;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.secureboot.ImageSigner;
import dev.flota.flash.secureboot.SecureBootSigner;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestKeys;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.fixtures.SocatPty;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13's end to end: a real nginx over HTTPS, partial download, plain and pre-encrypted (and signed) images,
 * into the simulated chip through its TCP loader and through a socat pty opened with jSerialComm; then the chip
 * boots the new app.
 */
class SerialTargetOnNginxTest {

    private static final SelfSignedCertificates TLS = SelfSignedCertificates.generate();
    private static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);
    private static final SecureBootSigner SIGNER = SecureBootSigner.from(TestKeys.ec("P-256", "ota").getPrivate());

    @TempDir
    static Path dir;
    private static NginxServer.Running nginx;

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(NginxServer.available(), "nginx is not installed: the serial target's nginx tests are SKIPPED");
        byte[] app = TestDevices.app("2.0");
        Files.write(dir.resolve("app.bin"), app);
        byte[] signed = ImageSigner.sign(TestDevices.app("2.0"), List.of(SIGNER));
        Files.write(dir.resolve("app.signed.enc.bin"), ImageEncryptor.encrypt(signed, EncryptionKey.forDevice(KEY)));
        nginx = NginxServer.create().directory(dir).tls(TLS.serverCertPem(), TLS.serverKeyPem()).startNow();
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    private static HttpsOta ota(String file) {
        return HttpsOta.create().url(nginx.url(file)).caPem(TLS.caPem()).partialHttpDownload(true)
                .maxHttpRequestSize(16384).timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5),
                        Duration.ofSeconds(60));
    }

    @Test
    void aPlainImageWithPartialDownloadOverTheTcpLoader() {
        Device device = SerialTargetTest.device(Chip.ESP32_C3);
        try (LoaderServer server = LoaderServer.start(LoaderDevice.of(device));
                SerialTarget target = SerialTarget.port("socket://127.0.0.1:" + server.port()).connect()) {
            List<OtaEvent> events = ota("app.bin").update(target).collectList().block(Duration.ofSeconds(60));
            assertThat(events).anyMatch(e -> e instanceof OtaEvent.BootPartitionUpdated);
            assertThat(target.bootPartition().map(Partition::label)).contains("ota_0");
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }

    @Test
    void aSignedPreEncryptedImageWithPartialDownloadThroughAPtyAndTheStub() {
        assumeTrue(SocatPty.available(), "socat is not installed: the serial pty test is SKIPPED");
        Device device = SerialTargetTest.device(Chip.ESP32_C3);
        try (LoaderServer server = LoaderServer.start(LoaderDevice.of(device));
                SocatPty pty = SocatPty.bridgeTo(server.port());
                SerialTarget target = SerialTarget.port(pty.path().toString()).stub(SerialTargetTest.SYNTHETIC_STUB)
                        .baud(921600).sleeper(d -> { }).connect()) {
            List<OtaEvent> events = ota("app.signed.enc.bin").decryptionKey(KEY)
                    .verifyKeys(List.of(SIGNER.publicKey())).update(target).collectList()
                    .block(Duration.ofSeconds(60));
            assertThat(events).anyMatch(e -> e instanceof OtaEvent.Decrypted);
            assertThat(target.bootPartition().map(Partition::label)).contains("ota_0");
        }
        assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
    }
}
