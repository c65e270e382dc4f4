package dev.flota.ota;

import static dev.flota.ota.Conformance.NEW_APP;
import static dev.flota.ota.Conformance.TLS;
import static dev.flota.ota.Conformance.device;
import static dev.flota.ota.Conformance.update;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.ImageBuilder;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.pipeline.ImagePolicy;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ESP-IDF's conformance checklist (spec section 11) against Flota's own image server over real TLS with a CA the
 * tests generate, including the misbehaving servers only a fault-injecting server can play. Every test name starts
 * with the checklist's ID. After every failure the device still boots its old firmware.
 */
class ConformanceOnFlotaServerTest {

    @TempDir
    Path dir;

    private RunningImageServer serve(byte[] image, ServerFaults... faults) throws IOException {
        Files.write(dir.resolve("app.bin"), image);
        return ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                .tls(TLS.serverCertPem(), TLS.serverKeyPem()).handler(ServerFaults.inject(faults)).bindNow();
    }

    @Test
    void a1NormalUpdate() throws IOException {
        try (RunningImageServer server = serve(NEW_APP)) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertSucceeded(device, "2.0");
        }
    }

    @Test
    void a12PartialDownloadIn4KiBAnd64KiBRequestsOfAnImageNotAMultipleOfThem() throws IOException {
        assertThat(NEW_APP.length % 4096).isNotZero();
        try (RunningImageServer server = serve(NEW_APP)) {
            for (int size : new int[] {4096, 65536}) {
                Device device = device();
                server.requests().clear();
                update(device, server.url("app.bin"), o -> o.partialHttpDownload(true).maxHttpRequestSize(size))
                        .assertSucceeded(device, "2.0");
                int ranges = (NEW_APP.length + size - 1) / size;
                assertThat(server.requests().count()).as("HEAD + ranges of %d", size).isEqualTo(1 + ranges);
                assertThat(server.requests().connections()).as("keep-alive: %s", server.requests().all()).isEqualTo(1);
            }
        }
    }

    @Test
    void partialDownloadOfAnImageThatFitsOneRequestIsOnePlainGet() throws IOException {
        try (RunningImageServer server = serve(NEW_APP)) {
            for (int size : new int[] {NEW_APP.length, 256 * 1024}) {
                Device device = device();
                server.requests().clear();
                Conformance.Outcome outcome = update(device, server.url("app.bin"), o -> o.partialHttpDownload(true)
                        .maxHttpRequestSize(size));
                outcome.assertSucceeded(device, "2.0");
                assertThat(server.requests().all()).extracting(r -> r.method() + " " + r.range() + " " + r.status())
                        .as("request size %d", size).containsExactly("HEAD null 200", "GET null 200");
                assertThat(outcome.events()).contains(new OtaEvent.Connected(200, NEW_APP.length));
            }
            server.requests().clear();
            Device device = device();
            update(device, server.url("app.bin"), o -> o.partialHttpDownload(true).maxHttpRequestSize(
                    NEW_APP.length - 1)).assertSucceeded(device, "2.0");
            assertThat(server.requests().all()).extracting(r -> r.method() + " " + r.range() + " " + r.status())
                    .containsExactly("HEAD null 200", "GET bytes=0-" + (NEW_APP.length - 2) + " 206",
                            "GET bytes=" + (NEW_APP.length - 1) + "-" + (NEW_APP.length - 1) + " 206");
        }
    }

    @Test
    void p1PreEncryptedImageWithPartialDownload() throws IOException {
        EccDecryptionKey key = DecryptionKey.fromHmacKey(new byte[32]);
        try (RunningImageServer server = serve(ImageEncryptor.encrypt(NEW_APP, EncryptionKey.forDevice(key)))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.decryptionKey(key).partialHttpDownload(true)
                    .maxHttpRequestSize(4096)).assertSucceeded(device, "2.0");
        }
    }

    @Test
    void a5TruncatedImage() throws IOException {
        try (RunningImageServer server = serve(Arrays.copyOf(NEW_APP, 64000))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.VALIDATE_FAILED);
        }
    }

    @Test
    void a6TruncatedHeader() throws IOException {
        try (RunningImageServer server = serve(Arrays.copyOf(NEW_APP, 180))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.IMAGE_HEADER_INVALID);
        }
    }

    @Test
    void a7RandomData() throws IOException {
        byte[] random = new byte[32000];
        new Random(7).nextBytes(random);
        random[0] = 0;
        try (RunningImageServer server = serve(random)) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.IMAGE_HEADER_INVALID);
        }
    }

    @Test
    void a8InvalidChipId() throws IOException {
        try (RunningImageServer server = serve(Conformance.withByte(NEW_APP, 13, 0xFE))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.INVALID_VERSION);
        }
    }

    @Test
    void a16MinChipRevisionTooHighAndA17MaxTooLow() throws IOException {
        byte[] tooNew = ImageBuilder.app(dev.flota.flash.image.Chip.ESP32_C3, TestImages.description("rev", 0))
                .chipRevisions(300, 399).segment(0x40380000L, new byte[64]).build();
        byte[] tooOld = ImageBuilder.app(dev.flota.flash.image.Chip.ESP32_C3, TestImages.description("rev", 0))
                .chipRevisions(0, 2).segment(0x40380000L, new byte[64]).build();
        for (byte[] image : new byte[][] {tooNew, tooOld}) {
            try (RunningImageServer server = serve(image)) {
                Device device = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS,
                        TestDevices.app("1.0")), dev.flota.flash.device.DeviceProperties.of(
                                dev.flota.flash.image.Chip.ESP32_C3).withChipRevision(3));
                update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.INVALID_VERSION);
            }
        }
    }

    @Test
    void a9CloseDelimitedBodyWithoutContentLength() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().closeDelimited())) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertSucceeded(device, "2.0");
        }
    }

    @Test
    void chunkedBody() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().chunked())) {
            Device device = device();
            Conformance.Outcome outcome = update(device, server.url("app.bin"), o -> o);
            outcome.assertSucceeded(device, "2.0");
            assertThat(outcome.events()).contains(new OtaEvent.Connected(200, -1));
        }
    }

    @Test
    void a10RedirectChainAndD5TooManyRedirects() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().redirects(3, 301))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.partialHttpDownload(true)).assertSucceeded(device, "2.0");
        }
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().redirects(12, 302))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.HTTP_MAX_REDIRECT);
        }
    }

    @Test
    void a18SameVersionIsRefusedByPolicy() throws IOException {
        try (RunningImageServer server = serve(TestDevices.app("1.0"))) {
            Device device = device();
            long before = device.flash().stats().mutatingOperations();
            Conformance.Outcome refused = update(device, server.url("app.bin"),
                    o -> o.policy(ImagePolicy.skipSameVersion()));
            assertThat(refused.failure()).as("refused").isNotNull();
            assertThat(refused.failure().getMessage()).contains("version 1.0 already runs");
            assertThat(device.flash().stats().mutatingOperations()).as("refused before any erase").isEqualTo(before);
            refused.assertFailed(device, OtaError.POLICY_REJECTED);

            Device control = device();
            long controlBefore = control.flash().stats().mutatingOperations();
            update(control, server.url("app.bin"), o -> o.policy(ImagePolicy.acceptAll()))
                    .assertSucceeded(control, "1.0");
            assertThat(control.flash().stats().mutatingOperations()).as("without the policy the same image is written")
                    .isGreaterThan(controlBefore);
        }
    }

    @Test
    void d1PlainHttpWithoutOptInAndWithIt() throws IOException {
        Files.write(dir.resolve("app.bin"), NEW_APP);
        try (RunningImageServer server = ImageServer.create().directory(dir).host("127.0.0.1").port(0).bindNow()) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.INVALID_ARG);
            update(device, server.url("app.bin"), o -> o.allowHttp(true)).assertSucceeded(device, "2.0");
        }
    }

    @Test
    void d2NotModified() throws IOException {
        try (RunningImageServer server = serve(NEW_APP)) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.requestHook((method, headers) -> headers.set(
                    "If-None-Match", "*"))).assertFailed(device, OtaError.HTTP_NOT_MODIFIED);
        }
    }

    @Test
    void d3NotFoundAndServerError() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().forPath("/broken.bin").status(500))) {
            Device device = device();
            Conformance.Outcome missing = update(device, server.url("missing.bin"), o -> o);
            missing.assertFailed(device, OtaError.HTTP_STATUS);
            assertThat(missing.failure().httpStatus()).hasValue(404);
            Files.write(dir.resolve("broken.bin"), NEW_APP);
            Conformance.Outcome broken = update(device, server.url("broken.bin"), o -> o);
            broken.assertFailed(device, OtaError.HTTP_STATUS);
            assertThat(broken.failure().httpStatus()).hasValue(500);
        }
    }

    @Test
    void d4BasicAuthentication() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().basicAuth("esp", "secret"))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.HTTP_UNAUTHORIZED);
            update(device, server.url("app.bin"), o -> o.credentials("esp", "wrong", 2))
                    .assertFailed(device, OtaError.HTTP_UNAUTHORIZED);
            update(device, server.url("app.bin"), o -> o.credentials("esp", "secret", 10).partialHttpDownload(true))
                    .assertSucceeded(device, "2.0");
        }
    }

    @Test
    void d6RangeNotSatisfiable() throws IOException {
        String pastTheEnd = "bytes=" + NEW_APP.length + "-";
        try (RunningImageServer server = serve(NEW_APP)) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.requestHook((method, headers) -> headers.set("Range",
                    pastTheEnd))).assertFailed(device, OtaError.HTTP_RANGE_NOT_SATISFIABLE);
            assertThat(server.requests().all()).extracting(r -> r.range() + " " + r.status())
                    .containsExactly(pastTheEnd + " 416");
        }
    }

    @Test
    void d7HeadRefusedSizeFromRangeProbe() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().refuseHead())) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.partialHttpDownload(true)).assertSucceeded(device, "2.0");
            assertThat(server.requests().all()).extracting(r -> r.method() + " " + r.status()).contains("HEAD 403");
        }
    }

    @Test
    void d10ConnectionClosedMidBodyIsResumedAndCounted() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().closeOnceAfter(20_000))) {
            Device device = device();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            update(device, server.url("app.bin"), o -> o.meterRegistry(registry)).assertSucceeded(device, "2.0");
            assertThat(registry.get("flota.ota.bytes").tag("kind", "fetched").counter().count())
                    .as("nothing downloaded twice").isEqualTo(NEW_APP.length);
            assertThat(registry.get("flota.ota.http.requests").tag("method", "GET").counter().count()).isEqualTo(2);
            assertThat(registry.get("flota.ota.http.responses").tag("status", "206").counter().count()).isEqualTo(1);
            assertThat(server.requests().all()).last().extracting(r -> r.range()).asString().startsWith("bytes=");
        }
    }

    @Test
    void serverAnswering200ToTheFirstRangeIsTakenAsOnePlainGet() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().ignoreRanges())) {
            Device device = device();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Conformance.Outcome outcome = update(device, server.url("app.bin"), o -> o.partialHttpDownload(true)
                    .maxHttpRequestSize(4096).meterRegistry(registry));
            outcome.assertSucceeded(device, "2.0");
            assertThat(server.requests().all()).extracting(r -> r.method() + " " + r.range() + " " + r.status())
                    .containsExactly("HEAD null 200", "GET bytes=0-4095 200");
            assertThat(outcome.events()).filteredOn(e -> e instanceof OtaEvent.RangeIgnored)
                    .containsExactly(new OtaEvent.RangeIgnored(0));
            assertThat(registry.get("flota.ota.http.range.ignored").tag("action", "plain_get").counter().count())
                    .isEqualTo(1);
            assertThat(registry.get("flota.ota.bytes").tag("kind", "fetched").counter().count())
                    .isEqualTo(NEW_APP.length);
        }
    }

    @Test
    void serverAnswering200ToTheSizeProbeIsTakenAsOnePlainGet() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().refuseHead().ignoreRanges())) {
            Device device = device();
            Conformance.Outcome outcome = update(device, server.url("app.bin"), o -> o.partialHttpDownload(true)
                    .maxHttpRequestSize(4096));
            outcome.assertSucceeded(device, "2.0");
            assertThat(server.requests().all()).extracting(r -> r.method() + " " + r.range() + " " + r.status())
                    .containsExactly("HEAD null 403", "GET bytes=0-0 200");
            assertThat(outcome.events()).filteredOn(e -> e instanceof OtaEvent.RangeIgnored)
                    .containsExactly(new OtaEvent.RangeIgnored(0));
        }
    }

    @Test
    void serverAnswering200ToARangeAfterByte0RestartsFromByte0WithOnePlainGet() throws IOException {
        for (boolean partial : new boolean[] {true, false}) {
            try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().ignoreRanges()
                    .closeOnceAfter(20_000))) {
                Device device = device();
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                Conformance.Outcome outcome = update(device, server.url("app.bin"), o -> o.partialHttpDownload(partial)
                        .maxHttpRequestSize(4096).meterRegistry(registry));
                outcome.assertSucceeded(device, "2.0");
                assertThat(outcome.events()).filteredOn(e -> e instanceof OtaEvent.RangeIgnored)
                        .as("partial %s", partial).endsWith(new OtaEvent.RangeIgnored(20_000));
                assertThat(outcome.events()).last().extracting(e -> ((OtaEvent.Finished) e).bytesWasted())
                        .isEqualTo(20_000L);
                assertThat(registry.get("flota.ota.http.range.ignored").tag("action", "restart").counter().count())
                        .isEqualTo(1);
                assertThat(server.requests().all()).last().extracting(r -> r.range() + " " + r.status())
                        .isEqualTo("null 200");
            }
        }
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().ignoreRanges().closeAfter(20_000))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.HTTP_RANGE_IGNORED);
            assertThat(server.requests().matching(r -> r.range() == null)).as("the first GET and 2 restarts")
                    .hasSize(3);
        }
    }

    @Test
    void imageChangedDuringTheDownloadRestartsFromTheNewOne() throws IOException {
        byte[] v3 = TestDevices.app("3.0");
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().replaceAfter(3, v3))) {
            Device device = device();
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Conformance.Outcome outcome = update(device, server.url("app.bin"), o -> o.partialHttpDownload(true)
                    .maxHttpRequestSize(8192).meterRegistry(registry));
            outcome.assertSucceeded(device, "3.0");
            double wasted = registry.get("flota.ota.bytes").tag("kind", "wasted").counter().count();
            assertThat(wasted).isPositive();
            assertThat(registry.get("flota.ota.bytes").tag("kind", "fetched").counter().count())
                    .isEqualTo(v3.length + wasted);
        }
    }

    @Test
    void imageChangedBeforeItsFirstByteIsTakenWhole() throws IOException {
        byte[] v3 = TestDevices.app("3.0");
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().replaceAfter(1, v3))) {
            Device device = device();
            Conformance.Outcome outcome = update(device, server.url("app.bin"), o -> o.partialHttpDownload(true)
                    .maxHttpRequestSize(8192));
            outcome.assertSucceeded(device, "3.0");
            assertThat(server.requests().all()).extracting(r -> r.method() + " " + r.range() + " " + r.status())
                    .as("If-Range no longer matched: the 200 is the new image").containsExactly("HEAD null 200",
                            "GET bytes=0-8191 200");
            assertThat(outcome.events()).noneMatch(e -> e instanceof OtaEvent.RangeIgnored);
            assertThat(outcome.events()).last().extracting(e -> ((OtaEvent.Finished) e).bytesWasted()).isEqualTo(0L);
        }
    }

    @Test
    void d11StalledServerTheDeadlineFires() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().stallAfter(10_000))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.timeouts(Duration.ofSeconds(5), Duration.ofSeconds(30),
                    Duration.ofMillis(800))).assertFailed(device, OtaError.DEADLINE_EXCEEDED);
        }
    }

    @Test
    void stallsAfterProgressAreResumedEachTime() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().stallAfter(30_000))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.timeouts(Duration.ofSeconds(5), Duration.ofMillis(200),
                    Duration.ofSeconds(30)).retries(1, Duration.ofMillis(10), Duration.ofMillis(10)))
                    .assertSucceeded(device, "2.0");
        }
    }

    @Test
    void stalledServerWithoutProgressTheReadTimeoutRetriesThenGivesUp() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.none().stallAfter(0))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.timeouts(Duration.ofSeconds(5), Duration.ofMillis(200),
                    Duration.ofSeconds(30)).retries(1, Duration.ofMillis(10), Duration.ofMillis(10)))
                    .assertFailed(device, OtaError.HTTP_READ_TIMEOUT);
        }
    }

    @Test
    void untrustedCertificateAuthority() throws IOException {
        SelfSignedCertificates other = SelfSignedCertificates.generate();
        try (RunningImageServer server = serve(NEW_APP)) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o.caPem(other.caPem())).assertFailed(device, OtaError.HTTP_CONNECT);
        }
    }

    @Test
    void corruptedSha256() throws IOException {
        try (RunningImageServer server = serve(Conformance.withByte(NEW_APP, NEW_APP.length - 1,
                NEW_APP[NEW_APP.length - 1] ^ 1))) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.VALIDATE_FAILED);
        }
    }

    @Test
    void mutualTls() throws IOException {
        Files.write(dir.resolve("app.bin"), NEW_APP);
        try (RunningImageServer server = ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                .tls(TLS.serverCertPem(), TLS.serverKeyPem()).clientAuth(TLS.caPem()).bindNow()) {
            Device device = device();
            update(device, server.url("app.bin"), o -> o).assertFailed(device, OtaError.HTTP_CONNECT);
            update(device, server.url("app.bin"), o -> o.clientCertificate(TLS.clientCertPem(), TLS.clientKeyPem()))
                    .assertSucceeded(device, "2.0");
        }
    }
}
