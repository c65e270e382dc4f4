package dev.flota.ota;

import static dev.flota.ota.Conformance.NEW_APP;
import static dev.flota.ota.Conformance.device;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashError;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.server.FileReply;
import dev.flota.ota.server.FileRequest;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import io.netty.handler.codec.http.HttpHeaderNames;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import java.util.function.LongUnaryOperator;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every way an update can fail that the conformance suites do not reach, through the public API over plain HTTP on
 * 127.0.0.1: the {@link OtaError}, its ESP name, and a device that still boots what it booted before.
 */
class UpdateErrorsTest {

    @TempDir
    Path dir;

    private RunningImageServer serve(byte[] image, UnaryOperator<Function<FileRequest, FileReply>> handler)
            throws IOException {
        Files.write(dir.resolve("app.bin"), image);
        return ImageServer.create().directory(dir).host("127.0.0.1").port(0).handler(handler).bindNow();
    }

    private static HttpsOta client(RunningImageServer server) {
        return HttpsOta.create().url(server.url("app.bin")).allowHttp(true)
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(30))
                .retries(2, Duration.ofMillis(1), Duration.ofMillis(1));
    }

    private static OtaException failure(Device device, HttpsOta ota, OtaError error, String espName) {
        Conformance.Outcome outcome = Conformance.update(device, ota);
        assertThat(outcome.failure()).as("expected %s", error).isNotNull();
        assertThat(outcome.failure().error()).as(outcome.failure().getMessage()).isEqualTo(error);
        assertThat(outcome.failure().error().espName()).isEqualTo(espName);
        return outcome.failure();
    }

    private static void fails(Device device, HttpsOta ota, OtaError error, String espName) {
        failure(device, ota, error, espName);
        assertThat(device.reboot().appDescription().orElseThrow().version()).as("old firmware still boots")
                .isEqualTo("1.0");
    }

    @Test
    void resetsMoreOftenThanTheRetriesAllowRunOutOfRetries() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.inject(ServerFaults.none().closeAfter(0)))) {
            fails(device(), client(server), OtaError.HTTP_INCOMPLETE_DATA, "ESP_ERR_HTTP_INCOMPLETE_DATA");
            assertThat(server.requests().count("/app.bin")).as("the request and its 2 retries").isEqualTo(3);
        }
    }

    /**
     * A ranged answer delimited by the connection's close that ends before its range does is a short body, not the
     * end of that range: with no retry left, the update fails as esp_https_ota does on incomplete data.
     */
    @Test
    void aRangeWhoseBodyEndsShortIsIncompleteData() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.inject(ServerFaults.none().closeDelimited()
                .closeOnceAfter(1000)))) {
            OtaException e = failure(device(), client(server).partialHttpDownload(true).maxHttpRequestSize(16 * 1024)
                    .retries(0, Duration.ofMillis(1), Duration.ofMillis(1)), OtaError.HTTP_INCOMPLETE_DATA,
                    "ESP_ERR_HTTP_INCOMPLETE_DATA");
            assertThat(e).hasMessageContaining("body ended after 1000 of 16384 bytes");
        }
    }

    @Test
    void readTimeoutsMoreOftenThanTheRetriesAllowRunOutOfRetries() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.inject(ServerFaults.none().stallAfter(0)))) {
            fails(device(), client(server).timeouts(Duration.ofSeconds(5), Duration.ofMillis(50),
                    Duration.ofSeconds(30)), OtaError.HTTP_READ_TIMEOUT, "ESP_ERR_HTTP_READ_TIMEOUT");
            assertThat(server.requests().count("/app.bin")).as("the request and its 2 retries").isEqualTo(3);
        }
    }

    @Test
    void flashOperationFails() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, files -> files)) {
            Device device = device();
            device.flash().faults().failOperation(3, FlashError.FLASH_OP_FAIL);
            fails(device, client(server), OtaError.FLASH_FAIL, "ESP_ERR_FLASH_OP_FAIL");
        }
    }

    @Test
    void flashOperationTimesOut() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, files -> files)) {
            Device device = device();
            device.flash().faults().failOperation(3, FlashError.FLASH_OP_TIMEOUT);
            OtaException e = failure(device, client(server), OtaError.FLASH_TIMEOUT, "ESP_ERR_FLASH_OP_TIMEOUT");
            assertThat(e.error().espCode()).isEqualTo(0x6002);
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
        }
    }

    @Test
    void stagingIsTheRunningPartition() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, files -> files)) {
            Device device = device();
            Conformance.update(device, client(server)).assertSucceeded(device, "2.0");
            assertThat(device.runningPartition().orElseThrow().label()).isEqualTo("ota_0");
            failure(device, client(server).partitions("ota_0", null, false), OtaError.PARTITION_CONFLICT,
                    "ESP_ERR_OTA_PARTITION_CONFLICT");
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        }
    }

    @Test
    void runningAppStillPendingVerify() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, files -> files)) {
            Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS,
                    TestDevices.app("1.0")), true);
            Conformance.update(device, client(server)).assertSucceeded(device, "2.0");
            String boot = OtaOperations.on(device).getBootPartition().orElseThrow().label();
            failure(device, client(server), OtaError.ROLLBACK_INVALID_STATE, "ESP_ERR_OTA_ROLLBACK_INVALID_STATE");
            assertThat(OtaOperations.on(device).getBootPartition().orElseThrow().label()).isEqualTo(boot);
        }
    }

    @Test
    void imageLargerThanThePartition() throws IOException {
        byte[] big = TestImages.app(Chip.ESP32_C3, "big", 300_000);
        assertThat(big.length).isGreaterThan(256 * 1024);
        try (RunningImageServer server = serve(big, files -> files)) {
            fails(device(), client(server), OtaError.INVALID_SIZE, "ESP_ERR_INVALID_SIZE");
            fails(device(), client(server).bulkFlashErase(true), OtaError.INVALID_SIZE, "ESP_ERR_INVALID_SIZE");
        }
    }

    @Test
    void partialDownloadFromAServerThatNeverSaysTheSize() throws IOException {
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.inject(ServerFaults.none().chunked()
                .ignoreRanges()))) {
            fails(device(), client(server).partialHttpDownload(true), OtaError.HTTP_NO_CONTENT_LENGTH, "ESP_FAIL");
            assertThat(server.requests().all()).extracting(r -> r.method() + " " + r.range() + " " + r.status())
                    .startsWith("HEAD null 200", "GET bytes=0-0 200");
        }
        try (RunningImageServer server = serve(NEW_APP, ServerFaults.inject(ServerFaults.none().refuseHead())
                .andThen(contentRange(first -> first, last -> last, total -> -1))::apply)) {
            fails(device(), client(server).partialHttpDownload(true), OtaError.HTTP_NO_CONTENT_LENGTH, "ESP_FAIL");
        }
    }

    @Test
    void contentRangeWithTheWrongStart() throws IOException {
        wrongContentRange(contentRange(first -> first + 1, last -> last, total -> total), "starts at 1, not 0");
    }

    @Test
    void contentRangeWithTheWrongEnd() throws IOException {
        wrongContentRange(contentRange(first -> first, last -> last - 1, total -> total), "ends at 4094, not 4095");
    }

    @Test
    void contentRangeWithTheWrongTotal() throws IOException {
        wrongContentRange(contentRange(first -> first, last -> last, total -> total + 1),
                "says the image has " + (NEW_APP.length + 1) + " bytes, not " + NEW_APP.length);
    }

    private void wrongContentRange(UnaryOperator<Function<FileRequest, FileReply>> lie, String what)
            throws IOException {
        try (RunningImageServer server = serve(NEW_APP, lie)) {
            Device device = device();
            OtaException e = failure(device, client(server).partialHttpDownload(true).maxHttpRequestSize(4096),
                    OtaError.HTTP_RANGE_IGNORED, "ESP_ERR_HTTP_RANGE_NOT_SATISFIABLE");
            assertThat(e).hasMessageContaining(what);
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("1.0");
        }
    }

    /** Rewrites each 206's {@code Content-Range: bytes first-last/total}; a total below 0 becomes {@code *}. */
    private static UnaryOperator<Function<FileRequest, FileReply>> contentRange(LongUnaryOperator first,
            LongUnaryOperator last, LongUnaryOperator total) {
        return files -> request -> {
            FileReply reply = files.apply(request);
            String range = reply.header(HttpHeaderNames.CONTENT_RANGE);
            if (reply.status() != 206 || range == null) {
                return reply;
            }
            String[] parts = range.substring("bytes ".length()).split("[-/]");
            long size = total.applyAsLong(Long.parseLong(parts[2]));
            return reply.header(HttpHeaderNames.CONTENT_RANGE, "bytes " + first.applyAsLong(Long.parseLong(parts[0]))
                    + "-" + last.applyAsLong(Long.parseLong(parts[1])) + "/" + (size < 0 ? "*" : Long.toString(size)));
        };
    }
}
