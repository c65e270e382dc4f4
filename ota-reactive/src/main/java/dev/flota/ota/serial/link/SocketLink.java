package dev.flota.ota.serial.link;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;

/** {@code socket://host:port}: the loader over TCP. No control lines, no baud rate (pyserial's socket handler). */
final class SocketLink implements SerialLink {

    static final String SCHEME = "socket://";
    private static final int CONNECT_TIMEOUT_MILLIS = 5000;

    private final Socket socket;
    private final InputStream in;
    private final OutputStream out;
    private final String description;

    private SocketLink(Socket socket, String description) throws IOException {
        this.socket = socket;
        this.in = socket.getInputStream();
        this.out = socket.getOutputStream();
        this.description = description;
    }

    static SocketLink open(String port) throws IOException {
        URI uri;
        try {
            uri = new URI(port);
        } catch (java.net.URISyntaxException e) {
            throw new IOException("not a socket://host:port address: " + port, e);
        }
        if (uri.getHost() == null || uri.getPort() < 0) {
            throw new IOException("not a socket://host:port address: " + port);
        }
        Socket socket = new Socket();
        try {
            socket.setTcpNoDelay(true);
            socket.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), CONNECT_TIMEOUT_MILLIS);
            return new SocketLink(socket, port);
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot connect to " + port + ": " + e.getMessage(), e);
        }
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, timeout.toMillis())));
        try {
            int n = in.read(buffer, offset, length);
            if (n < 0) {
                throw new EOFException(description + " closed the connection");
            }
            return n;
        } catch (SocketTimeoutException e) {
            return 0;
        }
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    @Override
    public void discardInput() throws IOException {
        int available;
        while ((available = in.available()) > 0) {
            if (in.skip(available) <= 0) {
                return;
            }
        }
    }

    @Override
    public String description() {
        return description;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
