package dev.flota.flash.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SlipDecoder;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The loader behind RFC 2217, driven as pyserial's rfc2217 client and esptool's resets drive it. */
class Rfc2217Test {

    private static final int IAC = 0xFF;
    private static final int SB = 0xFA;
    private static final int SE = 0xF0;
    private static final int WILL = 0xFB;
    private static final int DO = 0xFD;

    @Test
    void resetsIntoDownloadModeAndTheAppAndEscapesFf() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        try (LoaderServer server = LoaderServer.startRfc2217(device, "127.0.0.1", 0, LinkModel.unlimited());
                Socket socket = new Socket("127.0.0.1", server.port())) {
            Telnet telnet = new Telnet(socket.getInputStream(), socket.getOutputStream());
            telnet.raw(IAC, WILL, 44, IAC, DO, 3, IAC, WILL, 3, IAC, DO, 1);
            assertThat(telnet.negotiation()).containsExactly(IAC, DO, 44);
            assertThat(telnet.negotiation()).containsExactly(IAC, WILL, 3);
            assertThat(telnet.negotiation()).containsExactly(IAC, DO, 3);
            assertThat(telnet.negotiation()).containsExactly(IAC, 0xFC, 1);
            telnet.raw(IAC, SB, 44, 1, 0x00, 0x01, 0xC2, 0x00, IAC, SE);
            assertThat(telnet.negotiation()).containsExactly(IAC, SB, 44, 101, 0x00, 0x01, 0xC2, 0x00, IAC, SE);

            device.device().flash().faults().cutPowerAfterOperations(0);
            telnet.send(LoaderRequest.of(LoaderOpcode.FLASH_BEGIN, 0x1000, 1, 0x400, 0));
            for (int line : new int[] {9, 11, 9, 8, 12, 8, 9}) {
                telnet.control(line);
            }
            assertThat(telnet.text("waiting for download")).contains("DOWNLOAD_BOOT");
            assertThat(device.powerLost()).as("the reset brought power back").isFalse();
            device.device().flash().faults().clear();

            telnet.send(LoaderRequest.of(LoaderOpcode.SYNC, RawHost.SYNC));
            for (int i = 0; i < 8; i++) {
                assertThat(telnet.response().value()).isEqualTo(0x20120707);
            }
            telnet.send(LoaderRequest.of(LoaderOpcode.WRITE_REG, 0x3FF00000, 0xFFFFFFFF, 0xFFFFFFFF, 0));
            assertThat(telnet.response().statusCode(0)).isZero();
            telnet.send(LoaderRequest.of(LoaderOpcode.READ_REG, 0x3FF00000));
            assertThat(telnet.response().value()).isEqualTo(0xFFFFFFFF);

            for (int line : new int[] {11, 9, 12, 9}) {
                telnet.control(line);
            }
            assertThat(telnet.text("SPI_FAST_FLASH_BOOT")).contains("boot:0x13");
            assertThat(device.personality()).isEqualTo(LoaderDevice.Personality.APP);

            for (int line : new int[] {9, 11, 9, 8, 12, 8, 9}) {
                telnet.control(line);
            }
            telnet.text("waiting for download");
            assertThat(device.personality()).isEqualTo(LoaderDevice.Personality.ROM);
        }
    }

    /** A minimal telnet client: negotiation and COM-PORT replies apart, data through SLIP or as text. */
    private static final class Telnet {
        private final OutputStream out;
        private final BlockingQueue<int[]> negotiations = new LinkedBlockingQueue<>();
        private final BlockingQueue<Integer> data = new LinkedBlockingQueue<>();

        Telnet(InputStream in, OutputStream out) {
            this.out = out;
            Thread reader = new Thread(() -> {
                try {
                    for (int b; (b = in.read()) >= 0; ) {
                        if (b != IAC) {
                            data.add(b);
                            continue;
                        }
                        int command = in.read();
                        if (command == IAC) {
                            data.add(IAC);
                        } else if (command == SB) {
                            ByteArrayOutputStream sub = new ByteArrayOutputStream();
                            sub.write(IAC);
                            sub.write(SB);
                            for (int c; (c = in.read()) >= 0; ) {
                                sub.write(c);
                                if (c == SE && (sub.toByteArray()[sub.size() - 2] & 0xFF) == IAC) {
                                    break;
                                }
                            }
                            negotiations.add(toInts(sub.toByteArray()));
                        } else {
                            negotiations.add(new int[] {IAC, command, in.read()});
                        }
                    }
                } catch (IOException ignored) {
                    // closed
                }
            }, "telnet-reader");
            reader.setDaemon(true);
            reader.start();
        }

        void raw(int... bytes) throws IOException {
            for (int b : bytes) {
                out.write(b);
            }
            out.flush();
        }

        void send(LoaderRequest request) throws IOException {
            for (byte b : request.frame()) {
                out.write(b);
                if ((b & 0xFF) == IAC) {
                    out.write(IAC);
                }
            }
            out.flush();
        }

        void control(int line) throws Exception {
            raw(IAC, SB, 44, 5, line, IAC, SE);
            assertThat(negotiation()).containsExactly(IAC, SB, 44, 105, line, IAC, SE);
        }

        int[] negotiation() throws InterruptedException {
            int[] next = negotiations.poll(10, TimeUnit.SECONDS);
            assertThat(next).as("a telnet reply").isNotNull();
            return next;
        }

        String text(String until) throws InterruptedException {
            StringBuilder text = new StringBuilder();
            while (!text.toString().contains(until)) {
                Integer b = data.poll(10, TimeUnit.SECONDS);
                assertThat(b).as("data up to '%s', got '%s'", until, text).isNotNull();
                text.append((char) b.intValue());
            }
            return text.toString();
        }

        LoaderResponse response() throws InterruptedException {
            SlipDecoder decoder = new SlipDecoder();
            while (true) {
                Integer b = data.poll(10, TimeUnit.SECONDS);
                assertThat(b).as("a response").isNotNull();
                var frames = decoder.feed(new byte[] {b.byteValue()}, 0, 1);
                if (!frames.isEmpty()) {
                    return LoaderResponse.parse(frames.get(0));
                }
            }
        }

        private static int[] toInts(byte[] bytes) {
            int[] ints = new int[bytes.length];
            for (int i = 0; i < bytes.length; i++) {
                ints[i] = bytes[i] & 0xFF;
            }
            return ints;
        }
    }
}
