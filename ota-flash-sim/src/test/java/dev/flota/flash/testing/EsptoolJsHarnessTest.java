package dev.flota.flash.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The esptool-js harness without a device: against a listener that never answers, esptool-js sends SYNC frames and
 * ends with a clean error, never a hang.
 */
class EsptoolJsHarnessTest {

    private static final String SYNC = "0008240000000000" + "07071220" + "55".repeat(32);

    @Test
    void sendsSyncAndFailsCleanlyWhenNothingAnswers() throws Exception {
        EsptoolJs esptool = EsptoolJs.require();
        try (SilentListener listener = new SilentListener()) {
            EsptoolJsResult result = esptool.timeout(Duration.ofSeconds(60))
                    .run("127.0.0.1", listener.port(), List.of(EsptoolJsOperation.connect()));

            assertThat(result.ok()).isFalse();
            assertThat(result.exitCode()).isEqualTo(1);
            assertThat(result.failure().op()).isEqualTo("connect");
            assertThat(result.failure().message()).isEqualTo("Failed to connect with the device");
            assertThat(result.steps()).isEmpty();
            List<String> frames = listener.frames();
            // 7 connect attempts of 5 SYNCs each (esptool-js 0.7.0 main() without a reset).
            assertThat(frames).hasSize(35).containsOnly(SYNC);
        }
    }

    @Test
    void reportsATimeoutWhenTheRunTakesTooLong() throws Exception {
        EsptoolJs esptool = EsptoolJs.require();
        try (SilentListener listener = new SilentListener()) {
            EsptoolJsResult result = esptool.timeout(Duration.ofMillis(500))
                    .run("127.0.0.1", listener.port(), List.of(EsptoolJsOperation.connect()));

            assertThat(result.exitCode()).isEqualTo(2);
            assertThat(result.failure().name()).isEqualTo("TimeoutError");
        }
    }

    @Test
    void reportsARefusedConnection() throws Exception {
        int port;
        try (ServerSocket closed = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            port = closed.getLocalPort();
        }
        EsptoolJsResult result = EsptoolJs.require().run("127.0.0.1", port, List.of(EsptoolJsOperation.connect()));

        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.failure().message()).contains("ECONNREFUSED");
    }

    @Test
    void parsesTheHarnessResult() {
        EsptoolJsResult result = EsptoolJs.parse(0, """
                {"ok":true,"ops":[{"op":"connect","ms":12.5,"chip":"ESP32-C3","stub":true,"revision":"4"},\
                {"op":"writeFlash","ms":3,"bytes":1024,"md5s":["ab\\"c"]}],"warnings":[]}
                """, "");

        assertThat(result.ok()).isTrue();
        assertThat(result.step("connect").text("chip")).isEqualTo("ESP32-C3");
        assertThat(result.step("connect").flag("stub")).isTrue();
        assertThat(result.step("connect").millis()).isEqualTo(12.5);
        assertThat(result.step("writeFlash").number("bytes")).isEqualTo(1024);
        assertThat(result.step("writeFlash").list("md5s")).containsExactly("ab\"c");

        EsptoolJsResult failed = EsptoolJs.parse(1, """
                {"ok":false,"error":{"op":"md5","index":2,"name":"ESPError","message":"x"},"ops":[]}
                """, "log");
        assertThat(failed.ok()).isFalse();
        assertThat(failed.failure()).isEqualTo(new EsptoolJsResult.Failure("md5", 2, "ESPError", "x"));
        assertThat(EsptoolJs.parse(1, "", "").failure().name()).isEqualTo("NoResult");
    }

    @Test
    void encodesOperationsAsJson() throws Exception {
        assertThat(EsptoolJs.JSON.readValue(EsptoolJsOperation.md5(0x10000, 4096).toJson(), Map.class))
                .isEqualTo(Map.of("op", "md5", "address", 65536L, "size", 4096L));
    }

    /** Accepts connections and records the SLIP frames it receives; answers nothing. */
    private static final class SilentListener implements AutoCloseable {

        private final ServerSocket server;
        private final ByteArrayOutputStream received = new ByteArrayOutputStream();
        private final CountDownLatch closed = new CountDownLatch(1);
        private final CountDownLatch firstConnectionEnded = new CountDownLatch(1);
        private final Thread thread;

        SilentListener() throws IOException {
            server = new ServerSocket(0, 8, InetAddress.getLoopbackAddress());
            thread = new Thread(this::serve, "silent-listener");
            thread.setDaemon(true);
            thread.start();
        }

        int port() {
            return server.getLocalPort();
        }

        private void serve() {
            try {
                while (!server.isClosed()) {
                    try (Socket socket = server.accept(); InputStream in = socket.getInputStream()) {
                        byte[] buffer = new byte[4096];
                        for (int n; (n = in.read(buffer)) > 0; ) {
                            synchronized (received) {
                                received.write(buffer, 0, n);
                            }
                        }
                    }
                    firstConnectionEnded.countDown();
                }
            } catch (IOException e) {
                // closed
            } finally {
                closed.countDown();
            }
        }

        /** The frames received on the first connection, once it ended. */
        List<String> frames() throws InterruptedException {
            assertThat(firstConnectionEnded.await(10, TimeUnit.SECONDS)).as("the connection ended").isTrue();
            byte[] bytes;
            synchronized (received) {
                bytes = received.toByteArray();
            }
            List<String> frames = new ArrayList<>();
            ByteArrayOutputStream frame = null;
            for (int i = 0; i < bytes.length; i++) {
                int b = bytes[i] & 0xFF;
                if (b == 0xC0) {
                    if (frame != null && frame.size() > 0) {
                        frames.add(HexFormat.of().formatHex(frame.toByteArray()));
                        frame = null;
                    } else {
                        frame = new ByteArrayOutputStream();
                    }
                } else if (frame != null) {
                    if (b == 0xDB && i + 1 < bytes.length) {
                        int n = bytes[++i] & 0xFF;
                        frame.write(n == 0xDC ? 0xC0 : 0xDB);
                    } else {
                        frame.write(b);
                    }
                }
            }
            return frames;
        }

        @Override
        public void close() throws Exception {
            server.close();
            closed.await(5, TimeUnit.SECONDS);
        }
    }
}
