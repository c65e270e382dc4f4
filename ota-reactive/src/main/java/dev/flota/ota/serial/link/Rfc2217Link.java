package dev.flota.ota.serial.link;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;

/**
 * {@code rfc2217://host:port}: a serial port served over telnet's COM-PORT-OPTION (RFC 2217), as by
 * {@code esp_rfc2217_server} or pyserial's server, with DTR, RTS and the baud rate carried to the far port, so resets
 * work. Data {@code FF} is doubled both ways; telnet commands from the server are taken out of the data. As pyserial,
 * a DTR or RTS change waits for the server's acknowledgement (so the line has changed when the call returns), at most
 * {@value #CONTROL_ACK_MILLIS} ms: {@code esp_rfc2217_server} acknowledges none (pyserial's {@code ign_set_control}).
 */
final class Rfc2217Link implements SerialLink {

    static final String SCHEME = "rfc2217://";
    private static final int IAC = 0xFF;
    private static final int SE = 0xF0;
    private static final int SB = 0xFA;
    private static final int WILL = 0xFB;
    private static final int DO = 0xFD;
    private static final int BINARY = 0;
    private static final int SGA = 3;
    private static final int COM_PORT_OPTION = 44;
    private static final int SET_BAUDRATE = 1;
    private static final int SET_DATASIZE = 2;
    private static final int SET_PARITY = 3;
    private static final int SET_STOPSIZE = 4;
    private static final int SET_CONTROL = 5;
    private static final int CONTROL_NO_FLOW = 1;
    private static final int DTR_ON = 8;
    private static final int DTR_OFF = 9;
    private static final int RTS_ON = 11;
    private static final int RTS_OFF = 12;
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;
    private static final int SERVER_OFFSET = 100;
    private static final int CONTROL_ACK_MILLIS = 100;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String description;
    private final byte[] raw = new byte[8192];
    /** Telnet parser state between reads: 0 data, 1 after IAC, 2 option byte due, 3 in SB, 4 IAC in SB. */
    private int state;
    private final ByteArrayOutputStream subnegotiation = new ByteArrayOutputStream();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private int controlAcks;
    private boolean dtr;

    private Rfc2217Link(Socket socket, String description) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.description = description;
    }

    static Rfc2217Link open(String port, int baud) throws IOException {
        URI uri;
        try {
            uri = new URI(port);
        } catch (URISyntaxException e) {
            throw new IOException("not an rfc2217://host:port address: " + port, e);
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IOException("not an rfc2217://host:port address: " + port);
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), CONNECT_TIMEOUT_MILLIS);
            Rfc2217Link link = new Rfc2217Link(socket, port);
            link.command(IAC, WILL, COM_PORT_OPTION, IAC, WILL, BINARY, IAC, DO, BINARY, IAC, WILL, SGA, IAC, DO, SGA);
            link.baudRate(baud);
            link.subcommand(SET_DATASIZE, 8);
            link.subcommand(SET_PARITY, 1);
            link.subcommand(SET_STOPSIZE, 1);
            link.subcommand(SET_CONTROL, CONTROL_NO_FLOW);
            return link;
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot connect to " + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        if (pending.size() > 0) {
            byte[] held = pending.toByteArray();
            int n = Math.min(length, held.length);
            System.arraycopy(held, 0, buffer, offset, n);
            pending.reset();
            pending.write(held, n, held.length - n);
            return n;
        }
        return readRaw(buffer, offset, length, timeout);
    }

    private int readRaw(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return 0;
            }
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000)));
            int n;
            try {
                n = in.read(raw, 0, Math.min(raw.length, length));
            } catch (SocketTimeoutException e) {
                return 0;
            }
            if (n < 0) {
                throw new EOFException(description + " closed the connection");
            }
            int data = strip(raw, n, buffer, offset);
            if (data > 0) {
                return data;
            }
        }
    }

    /** Copies the data bytes of {@code raw[0, n)} to {@code into}, dropping telnet commands; returns how many. */
    private int strip(byte[] bytes, int n, byte[] into, int offset) {
        int count = 0;
        for (int i = 0; i < n; i++) {
            int b = bytes[i] & 0xFF;
            switch (state) {
                case 0 -> {
                    if (b == IAC) {
                        state = 1;
                    } else {
                        into[offset + count++] = (byte) b;
                    }
                }
                case 1 -> {
                    if (b == IAC) {
                        into[offset + count++] = (byte) IAC;
                        state = 0;
                    } else {
                        state = b == SB ? 3 : b >= WILL ? 2 : 0;
                        subnegotiation.reset();
                    }
                }
                case 2 -> state = 0;
                case 3 -> {
                    if (b == IAC) {
                        state = 4;
                    } else {
                        subnegotiation.write(b);
                    }
                }
                default -> {
                    if (b == SE) {
                        endSubnegotiation();
                        state = 0;
                    } else {
                        subnegotiation.write(b);
                        state = 3;
                    }
                }
            }
        }
        return count;
    }

    private void endSubnegotiation() {
        byte[] body = subnegotiation.toByteArray();
        if (body.length >= 2 && (body[0] & 0xFF) == COM_PORT_OPTION
                && (body[1] & 0xFF) == SET_CONTROL + SERVER_OFFSET) {
            controlAcks++;
        }
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        ByteArrayOutputStream escaped = new ByteArrayOutputStream(bytes.length + 16);
        for (byte b : bytes) {
            escaped.write(b);
            if ((b & 0xFF) == IAC) {
                escaped.write(IAC);
            }
        }
        out.write(escaped.toByteArray());
        out.flush();
    }

    @Override
    public void discardInput() throws IOException {
        pending.reset();
        byte[] scratch = new byte[raw.length];
        while (in.available() > 0) {
            strip(raw, in.read(raw, 0, Math.min(raw.length, in.available())), scratch, 0);
        }
    }

    @Override
    public boolean hasControlLines() {
        return true;
    }

    @Override
    public void dtr(boolean asserted) throws IOException {
        dtr = asserted;
        control(asserted ? DTR_ON : DTR_OFF);
    }

    @Override
    public void rts(boolean asserted) throws IOException {
        control(asserted ? RTS_ON : RTS_OFF);
        dtr(dtr);
    }

    /** SET-CONTROL, then the server's acknowledgement, data arriving meanwhile kept for {@link #read}. */
    private void control(int value) throws IOException {
        int acks = controlAcks;
        subcommand(SET_CONTROL, value);
        long deadline = System.nanoTime() + CONTROL_ACK_MILLIS * 1_000_000L;
        byte[] data = new byte[raw.length];
        while (controlAcks == acks && System.nanoTime() < deadline) {
            int n = readRaw(data, 0, data.length, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
            pending.write(data, 0, n);
        }
    }

    @Override
    public void baudRate(int baud) throws IOException {
        subcommand(SET_BAUDRATE, baud >>> 24, baud >>> 16 & 0xFF, baud >>> 8 & 0xFF, baud & 0xFF);
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }

    private void subcommand(int subcommand, int... value) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(IAC);
        bytes.write(SB);
        bytes.write(COM_PORT_OPTION);
        bytes.write(subcommand);
        for (int v : value) {
            bytes.write(v);
            if (v == IAC) {
                bytes.write(IAC);
            }
        }
        bytes.write(IAC);
        bytes.write(SE);
        out.write(bytes.toByteArray());
        out.flush();
    }

    private void command(int... bytes) throws IOException {
        byte[] raw = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            raw[i] = (byte) bytes[i];
        }
        out.write(raw);
        out.flush();
    }
}
