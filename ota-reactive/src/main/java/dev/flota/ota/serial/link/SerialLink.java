package dev.flota.ota.serial.link;

import java.io.IOException;
import java.time.Duration;

/**
 * The byte link to a chip's serial loader: a serial device (through jSerialComm), a TCP socket
 * ({@code socket://host:port}, as esptool accepts) or a remote serial port over RFC 2217 ({@code rfc2217://host:port}).
 * Reads wait at most a timeout; DTR and RTS, which drive the chip's boot strap and EN pins on the usual boards, and the
 * baud rate exist only on a real or remote port ({@link #hasControlLines()}). One reader and one writer at a time.
 */
public interface SerialLink extends AutoCloseable {

    /**
     * Opens {@code port}: {@code socket://host:port} for TCP (no control lines), {@code rfc2217://host:port} for a
     * serial port served over RFC 2217 (with DTR, RTS and baud), anything else is a serial device name or path
     * ({@code /dev/ttyUSB0}, {@code COM3}) opened at {@code baud}, 8N1, no flow control.
     *
     * @throws IOException when the port cannot be opened
     */
    static SerialLink open(String port, int baud) throws IOException {
        if (port.startsWith(SocketLink.SCHEME)) {
            return SocketLink.open(port);
        }
        if (port.startsWith(Rfc2217Link.SCHEME)) {
            return Rfc2217Link.open(port, baud);
        }
        return JSerialCommLink.open(port, baud);
    }

    /**
     * Reads what is available, waiting at most {@code timeout} for the first byte.
     *
     * @return the number of bytes read, 0 when nothing arrived in time
     * @throws IOException when the link is closed or broken (the peer closed a socket: {@link java.io.EOFException})
     */
    int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException;

    /** Writes all of {@code bytes}. */
    void write(byte[] bytes) throws IOException;

    /** Drops whatever was received and not read yet. */
    void discardInput() throws IOException;

    /** Whether DTR, RTS and the baud rate exist (a real port); on a socket they do nothing. */
    default boolean hasControlLines() {
        return false;
    }

    /** Sets DTR ({@code true} = asserted = 0 V on the wire). No-op without control lines. */
    default void dtr(boolean asserted) throws IOException {
    }

    /** Sets RTS ({@code true} = asserted). No-op without control lines. */
    default void rts(boolean asserted) throws IOException {
    }

    /** Sets both lines at once where the port can (esptool's UnixTightReset); otherwise RTS, then DTR. */
    default void lines(boolean dtr, boolean rts) throws IOException {
        rts(rts);
        dtr(dtr);
    }

    /** Whether this is the USB-JTAG-Serial peripheral of an ESP chip (USB 303A:1001), which resets differently. */
    default boolean isUsbJtagSerial() {
        return false;
    }

    /** Changes the port's baud rate. No-op without control lines. */
    default void baudRate(int baud) throws IOException {
    }

    /** What this link is connected to, for messages. */
    String description();

    @Override
    void close() throws IOException;
}
