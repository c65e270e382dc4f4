package dev.flota.bench.host.flash;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.bench.Cli;
import dev.flota.bench.LoaderProcess;
import dev.flota.flash.image.Chip;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.flash.testing.TestImages;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flash loader} in its own JVM: served on TCP, written through the ROM loader, stopped with SIGTERM. */
class FlashLoaderCommandTest {

    @TempDir
    Path dir;

    @Test
    void writesThroughTheLoaderLandInTheFileAfterSigterm() throws Exception {
        Path csv = Files.writeString(dir.resolve("table.csv"), """
                nvs,      data, nvs,     ,        0x4000,
                otadata,  data, ota,     ,        0x2000,
                factory,  app,  factory, ,        512K,
                """);
        Path factory = Files.write(dir.resolve("factory.bin"), TestImages.app(Chip.ESP32_C3, "1.0", 3000));
        Path flash = dir.resolve("device.bin");
        assertThat(Cli.run("flash", "create", flash.toString(), "--size", "2MB", "--partitions", csv.toString(),
                "--factory", factory.toString()).exitCode()).isZero();
        byte[] before = Files.readAllBytes(flash);
        byte[] data = new byte[3 * 0x400];
        new Random(7).nextBytes(data);

        try (LoaderProcess loader = LoaderProcess.start(flash)) {
            int port = loader.port();
            try (Socket socket = new Socket("127.0.0.1", port)) {
                socket.setSoTimeout(10_000);
                Frames frames = new Frames(socket.getInputStream());
                OutputStream out = socket.getOutputStream();
                byte[] sync = new byte[36];
                sync[0] = 7;
                sync[1] = 7;
                sync[2] = 0x12;
                sync[3] = 0x20;
                Arrays.fill(sync, 4, 36, (byte) 0x55);
                out.write(LoaderRequest.of(LoaderOpcode.SYNC, sync).frame());
                for (int i = 0; i < 8; i++) {
                    assertThat(frames.next().value()).isEqualTo(0x20120707);
                }
                assertThat(command(out, frames, LoaderRequest.of(LoaderOpcode.FLASH_BEGIN, data.length, 3, 0x400,
                        0x100000, 0)).statusCode(0)).isZero();
                for (int seq = 0; seq < 3; seq++) {
                    assertThat(command(out, frames, LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, seq,
                            Arrays.copyOfRange(data, seq * 0x400, (seq + 1) * 0x400))).statusCode(0)).isZero();
                }
                LoaderResponse md5 = command(out, frames, LoaderRequest.of(LoaderOpcode.SPI_FLASH_MD5, 0x100000,
                        data.length, 0, 0));
                assertThat(new String(md5.payload(32), StandardCharsets.US_ASCII)).isEqualTo(
                        java.util.HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(data)));

                loader.stop();
            }
        }
        byte[] after = Files.readAllBytes(flash);
        assertThat(after).hasSameSizeAs(before);
        assertThat(Arrays.copyOfRange(after, 0x100000, 0x100000 + data.length)).isEqualTo(data);
        assertThat(Arrays.copyOf(after, 0x100000)).as("nothing else changed")
                .isEqualTo(Arrays.copyOf(before, 0x100000));
    }

    @Test
    void usageErrors() throws Exception {
        Path csv = Files.writeString(dir.resolve("t.csv"), "factory, app, factory, 0x10000, 512K,\n");
        Path c2 = dir.resolve("c2.bin");
        assertThat(Cli.run("flash", "create", c2.toString(), "--size", "1MB", "--partitions", csv.toString(),
                "--chip", "esp32c2").exitCode()).isZero();
        Cli unsupported = Cli.run("flash", "loader", c2.toString(), "--port", "0");
        assertThat(unsupported.exitCode()).isEqualTo(2);
        assertThat(unsupported.err()).contains("no serial loader model for ESP32-C2");
        assertThat(Cli.run("flash", "loader", c2.toString(), "--port", "70000").exitCode()).isEqualTo(2);
        assertThat(Cli.run("flash", "loader", dir.resolve("none.bin").toString(), "--port", "0").exitCode())
                .isEqualTo(2);
    }

    private static LoaderResponse command(OutputStream out, Frames frames, LoaderRequest request) throws Exception {
        out.write(request.frame());
        LoaderResponse response = frames.next();
        assertThat(response.opcode()).isEqualTo(request.opcode());
        return response;
    }

    /** Response frames off a socket. */
    private static final class Frames {
        private final InputStream in;
        private final SlipDecoder decoder = new SlipDecoder();
        private final Deque<byte[]> ready = new ArrayDeque<>();

        Frames(InputStream in) {
            this.in = in;
        }

        LoaderResponse next() throws Exception {
            byte[] buffer = new byte[4096];
            while (ready.isEmpty()) {
                int n = in.read(buffer);
                assertThat(n).as("the device closed the connection").isPositive();
                ready.addAll(decoder.feed(buffer, 0, n));
            }
            return LoaderResponse.parse(ready.poll());
        }
    }
}
