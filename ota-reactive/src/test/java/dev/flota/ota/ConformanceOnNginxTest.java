package dev.flota.ota;

import static dev.flota.ota.Conformance.NEW_APP;
import static dev.flota.ota.Conformance.TLS;
import static dev.flota.ota.Conformance.device;
import static dev.flota.ota.Conformance.update;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.flash.device.Device;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The checklist scenarios a stock server can play, against a real nginx over TLS with the tests' CA: what a fleet
 * meets in production. (The misbehaving servers are in {@link ConformanceOnFlotaServerTest}.) Needs nginx, which
 * {@code .ci/run} installs; without it the class is skipped with a notice, and CI fails on skipped tests.
 */
class ConformanceOnNginxTest {

    @TempDir
    static Path dir;

    private static NginxServer.Running nginx;
    private static final EccDecryptionKey KEY = DecryptionKey.fromHmacKey(new byte[32]);

    @BeforeAll
    static void start() throws IOException {
        assumeTrue(NginxServer.available(), "nginx is not installed: the nginx conformance tests are SKIPPED");
        Files.write(dir.resolve("app.bin"), NEW_APP);
        Files.write(dir.resolve("app.enc.bin"), ImageEncryptor.encrypt(NEW_APP, EncryptionKey.forDevice(KEY)));
        Files.write(dir.resolve("truncated.bin"), Arrays.copyOf(NEW_APP, 64000));
        Files.write(dir.resolve("header.bin"), Arrays.copyOf(NEW_APP, 180));
        byte[] random = new byte[32000];
        new Random(7).nextBytes(random);
        random[0] = 0;
        Files.write(dir.resolve("random.bin"), random);
        Files.write(dir.resolve("chip.bin"), Conformance.withByte(NEW_APP, 13, 0xFE));
        Files.write(dir.resolve("sha.bin"), Conformance.withByte(NEW_APP, NEW_APP.length - 1,
                NEW_APP[NEW_APP.length - 1] ^ 1));
        nginx = NginxServer.create().directory(dir).tls(TLS.serverCertPem(), TLS.serverKeyPem()).startNow();
    }

    @AfterAll
    static void stop() {
        if (nginx != null) {
            nginx.close();
        }
    }

    @Test
    void a1NormalUpdate() {
        Device device = device();
        update(device, nginx.url("app.bin"), o -> o).assertSucceeded(device, "2.0");
    }

    @Test
    void a12PartialDownloadIn4KiBAnd64KiBRequests() {
        for (int size : new int[] {4096, 65536}) {
            Device device = device();
            update(device, nginx.url("app.bin"), o -> o.partialHttpDownload(true).maxHttpRequestSize(size))
                    .assertSucceeded(device, "2.0");
        }
    }

    @Test
    void p1PreEncryptedWithPartialDownload() {
        Device device = device();
        update(device, nginx.url("app.enc.bin"), o -> o.decryptionKey(KEY).partialHttpDownload(true)
                .maxHttpRequestSize(4096)).assertSucceeded(device, "2.0");
    }

    @Test
    void a5TruncatedImage() {
        Device device = device();
        update(device, nginx.url("truncated.bin"), o -> o).assertFailed(device, OtaError.VALIDATE_FAILED);
    }

    @Test
    void a6TruncatedHeader() {
        Device device = device();
        update(device, nginx.url("header.bin"), o -> o).assertFailed(device, OtaError.IMAGE_HEADER_INVALID);
    }

    @Test
    void a7RandomData() {
        Device device = device();
        update(device, nginx.url("random.bin"), o -> o.partialHttpDownload(true))
                .assertFailed(device, OtaError.IMAGE_HEADER_INVALID);
    }

    @Test
    void a8InvalidChipId() {
        Device device = device();
        update(device, nginx.url("chip.bin"), o -> o).assertFailed(device, OtaError.INVALID_VERSION);
    }

    @Test
    void corruptedSha256() {
        Device device = device();
        update(device, nginx.url("sha.bin"), o -> o.partialHttpDownload(true)).assertFailed(device,
                OtaError.VALIDATE_FAILED);
    }

    @Test
    void d2NotModified() {
        Device device = device();
        update(device, nginx.url("app.bin"), o -> o.requestHook((method, headers) -> headers.set("If-None-Match",
                "*"))).assertFailed(device, OtaError.HTTP_NOT_MODIFIED);
    }

    @Test
    void d6RangeNotSatisfiable() {
        Device device = device();
        update(device, nginx.url("app.bin"), o -> o.requestHook((method, headers) -> headers.set("Range",
                "bytes=" + NEW_APP.length + "-"))).assertFailed(device, OtaError.HTTP_RANGE_NOT_SATISFIABLE);
    }

    @Test
    void d3NotFound() {
        Device device = device();
        Conformance.Outcome outcome = update(device, nginx.url("missing.bin"), o -> o);
        outcome.assertFailed(device, OtaError.HTTP_STATUS);
        assertThat(outcome.failure().httpStatus()).hasValue(404);
    }

    @Test
    void untrustedCertificateAuthority() {
        Device device = device();
        update(device, nginx.url("app.bin"), o -> o.caPem(SelfSignedCertificates.generate().caPem()))
                .assertFailed(device, OtaError.HTTP_CONNECT);
    }
}
