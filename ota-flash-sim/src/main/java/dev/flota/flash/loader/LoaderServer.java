package dev.flota.flash.loader;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link LoaderDevice} on TCP, for {@code esptool --port socket://HOST:PORT} and esptool-js over a socket: one client
 * at a time (the next is accepted once the previous one closed, as esptool-js reconnects), no reset lines (over a raw
 * socket there are none). A device that loses power drops its connection (over RFC 2217 the serial adapter stays: the
 * connection stays open, silent until a DTR/RTS reset). {@link #close()} stops accepting, lets the
 * command in progress finish and closes the connection.
 */
public final class LoaderServer implements AutoCloseable {

    private final LoaderDevice device;
    private final ServerSocket server;
    private final LinkModel link;
    private final boolean rfc2217;
    private final Thread thread;
    private final AtomicLong bytesFromHost = new AtomicLong();
    private volatile Socket client;
    private volatile boolean closed;

    private LoaderServer(LoaderDevice device, ServerSocket server, LinkModel link, boolean rfc2217) {
        this.device = device;
        this.server = server;
        this.link = link;
        this.rfc2217 = rfc2217;
        this.thread = new Thread(this::acceptLoop, "loader-server-" + server.getLocalPort());
        this.thread.setDaemon(true);
    }

    /** On 127.0.0.1, an ephemeral port, an unlimited link. */
    public static LoaderServer start(LoaderDevice device) {
        return start(device, "127.0.0.1", 0, LinkModel.unlimited());
    }

    /**
     * Listens on {@code host:port} (0 = ephemeral) and serves {@code device} over {@code link}.
     *
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static LoaderServer start(LoaderDevice device, String host, int port, LinkModel link) {
        return start(device, host, port, link, false);
    }

    /**
     * As {@link #start(LoaderDevice, String, int, LinkModel)}, speaking RFC 2217 for {@code rfc2217://HOST:PORT}:
     * telnet COM-PORT-OPTION with DTR/RTS reset into download mode or into the app, as {@code esp_rfc2217_server}
     * interprets them, and the ROM's boot banner after each reset.
     */
    public static LoaderServer startRfc2217(LoaderDevice device, String host, int port, LinkModel link) {
        return start(device, host, port, link, true);
    }

    private static LoaderServer start(LoaderDevice device, String host, int port, LinkModel link, boolean rfc2217) {
        try {
            ServerSocket socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(host), port), 4);
            LoaderServer server = new LoaderServer(device, socket, link, rfc2217);
            server.thread.start();
            return server;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + host + ":" + port, e);
        }
    }

    public int port() {
        return server.getLocalPort();
    }

    public String host() {
        return server.getInetAddress().getHostAddress();
    }

    public LoaderDevice device() {
        return device;
    }

    /** Bytes the hosts sent to the device over all connections so far: what crossed the link towards the chip. */
    public long bytesFromHost() {
        return bytesFromHost.get();
    }

    private InputStream counted(InputStream in) {
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    bytesFromHost.incrementAndGet();
                }
                return b;
            }

            @Override
            public int read(byte[] into, int off, int len) throws IOException {
                int n = super.read(into, off, len);
                if (n > 0) {
                    bytesFromHost.addAndGet(n);
                }
                return n;
            }
        };
    }

    private void acceptLoop() {
        while (!closed) {
            try (Socket accepted = server.accept()) {
                accepted.setTcpNoDelay(true);
                client = accepted;
                if (closed) {
                    return;
                }
                if (rfc2217) {
                    Rfc2217 telnet = new Rfc2217(new java.io.BufferedInputStream(counted(accepted.getInputStream())),
                            accepted.getOutputStream(), device);
                    LoaderSession.serve(device.machine(), telnet.input(), telnet.output(), link, true);
                } else {
                    LoaderSession.serve(device.machine(), counted(accepted.getInputStream()), accepted.getOutputStream(),
                            link, false);
                }
            } catch (SocketException e) {
                if (closed) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                if (closed) {
                    return;
                }
            } finally {
                client = null;
            }
        }
    }

    /** Stops accepting, ends the connection after the command in progress and waits for it. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        Socket current = client;
        if (current != null) {
            try {
                current.shutdownInput();
            } catch (IOException ignored) {
                // already gone
            }
        }
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public String toString() {
        return "LoaderServer[" + host() + ":" + port() + ", " + device + "]";
    }
}
