package dev.flota.ota.serial.link;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flota.ota.fixtures.SocatPty;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The two byte links: TCP ({@code socket://}) and a serial device through jSerialComm, on a socat pty. */
class SerialLinkTest {

    private static final Duration WAIT = Duration.ofSeconds(5);

    @Test
    void jSerialCommOpensASocatPtyAndExchangesBytesWithItsTcpPeer() throws Exception {
        assumeTrue(SocatPty.available(), "socat is not installed: the serial pty tests are SKIPPED");
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SocatPty pty = SocatPty.bridgeTo(server.getLocalPort());
                Socket peer = server.accept();
                SerialLink link = SerialLink.open(pty.path().toString(), 115200)) {
            assertThat(link.hasControlLines()).isTrue();
            link.write(bytes("\u00c0sync\u00c0"));
            assertThat(readN(peer.getInputStream(), 6)).isEqualTo(bytes("\u00c0sync\u00c0"));

            peer.getOutputStream().write(bytes("OHAI"));
            assertThat(readN(link, 4)).isEqualTo(bytes("OHAI"));
            ResetSequence.classic(ResetSequence.DEFAULT_DELAY).run(link, d -> { });
            link.baudRate(460800);
            assertThat(link.read(new byte[16], 0, 16, Duration.ofMillis(50))).isZero();
        }
    }

    @Test
    void socketLinkExchangesBytesAndReportsTheClose() throws Exception {
        try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                SerialLink link = SerialLink.open("socket://127.0.0.1:" + server.getLocalPort(), 115200);
                Socket peer = server.accept()) {
            assertThat(link.hasControlLines()).isFalse();
            link.write(bytes("abc"));
            assertThat(readN(peer.getInputStream(), 3)).isEqualTo(bytes("abc"));
            OutputStream out = peer.getOutputStream();
            out.write(bytes("xyz"));
            assertThat(readN(link, 3)).isEqualTo(bytes("xyz"));
            assertThat(link.read(new byte[4], 0, 4, Duration.ofMillis(20))).isZero();
            peer.close();
            assertThatThrownBy(() -> link.read(new byte[4], 0, 4, WAIT)).isInstanceOf(EOFException.class)
                    .hasMessageContaining("closed the connection");
        }
    }

    @Test
    void aBadSocketAddressIsRefused() {
        assertThatThrownBy(() -> SerialLink.open("socket://nohost", 115200)).isInstanceOf(IOException.class)
                .hasMessageContaining("socket://host:port");
    }

    @Test
    void aMissingSerialPortIsRefused() {
        assertThatThrownBy(() -> SerialLink.open("/dev/flota-no-such-tty", 115200)).isInstanceOf(IOException.class)
                .hasMessageContaining("/dev/flota-no-such-tty");
    }

    private static byte[] readN(SerialLink link, int n) throws IOException {
        byte[] out = new byte[n];
        int done = 0;
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (done < n && System.nanoTime() < deadline) {
            done += link.read(out, done, n - done, Duration.ofMillis(200));
        }
        return out;
    }

    private static byte[] readN(InputStream in, int n) throws IOException {
        return in.readNBytes(n);
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }
}
