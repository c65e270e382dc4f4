package dev.flota.ota.server;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import reactor.core.publisher.Mono;
import reactor.netty.NettyPipeline;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;

/**
 * A static file server for firmware images on Reactor Netty: GET and HEAD, single byte ranges (206, 416), strong
 * ETag and Last-Modified with conditional requests (304, {@code If-Range}), keep-alive, zero-copy file sending on
 * plain HTTP (chunked file sending under TLS), optional mutual TLS, an access log, Prometheus text at
 * {@code /metrics}, and {@link ServerFaults} to reproduce the servers OTA clients meet. It is what Flota's
 * conformance tests, the {@code serve} command and the demo run against.
 *
 * <p>Immutable: every method returns a new configuration; {@link #bindNow()} starts a server.
 * <pre>{@code
 * RunningImageServer server = ImageServer.create().directory(dir).tls(certPem, keyPem).bindNow();
 * String url = server.url("app.bin");
 * }</pre>
 */
public final class ImageServer {

    /** As nginx's {@code ssl_handshake_timeout}: a fleet connecting at once queues handshakes for seconds. */
    private static final Duration HANDSHAKE_TIMEOUT = Duration.ofSeconds(60);

    private final Path directory;
    private final String host;
    private final int port;
    private final String certPem;
    private final String keyPem;
    private final String clientCaPem;
    private final List<ServerFaults> faults;
    private final Consumer<String> accessLog;
    private final boolean recordRequests;

    private ImageServer(Path directory, String host, int port, String certPem, String keyPem, String clientCaPem,
            List<ServerFaults> faults, Consumer<String> accessLog, boolean recordRequests) {
        this.directory = directory;
        this.host = host;
        this.port = port;
        this.certPem = certPem;
        this.keyPem = keyPem;
        this.clientCaPem = clientCaPem;
        this.faults = faults;
        this.accessLog = accessLog;
        this.recordRequests = recordRequests;
    }

    /** Plain HTTP on 127.0.0.1, an ephemeral port, no faults, no access log; a directory is required. */
    public static ImageServer create() {
        return new ImageServer(null, "127.0.0.1", 0, null, null, null, List.of(), null, true);
    }

    /** The directory whose regular files are served; requests cannot leave it. */
    public ImageServer directory(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, faults, accessLog, recordRequests);
    }

    public ImageServer host(String host) {
        Objects.requireNonNull(host, "host");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, faults, accessLog, recordRequests);
    }

    /** The port to listen on; 0 (the default) picks a free one, see {@link RunningImageServer#port()}. */
    public ImageServer port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, faults, accessLog, recordRequests);
    }

    /** Serves HTTPS with this certificate chain and PKCS#8 key, both PEM. */
    public ImageServer tls(String certPem, String keyPem) {
        Objects.requireNonNull(certPem, "certPem");
        Objects.requireNonNull(keyPem, "keyPem");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, faults, accessLog, recordRequests);
    }

    /** Requires a client certificate issued by this CA (mutual TLS); needs {@link #tls(String, String)}. */
    public ImageServer clientAuth(String caPem) {
        Objects.requireNonNull(caPem, "caPem");
        return new ImageServer(directory, host, port, certPem, keyPem, caPem, faults, accessLog, recordRequests);
    }

    /**
     * The faults to inject; replaces earlier ones. For each request the value {@link ServerFaults#forPath for its
     * path} applies, else the last one without a path, else none.
     */
    public ImageServer faults(ServerFaults... faults) {
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, List.of(faults), accessLog,
                recordRequests);
    }

    /**
     * Receives one line per request, in the spirit of the Common Log Format, when its response starts. The sink is
     * called on a Netty event loop: it must not block (hand the line to a queue to write it to a terminal or file).
     */
    public ImageServer accessLog(Consumer<String> sink) {
        Objects.requireNonNull(sink, "sink");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, faults, sink, recordRequests);
    }

    /**
     * Whether {@link RunningImageServer#requests()} records each request (the default, for tests). A long-running
     * server turns it off so memory stays flat; the counters at {@code /metrics} are kept either way.
     */
    public ImageServer recordRequests(boolean record) {
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, faults, accessLog, record);
    }

    /** Binds and starts the server, blocking until it listens. */
    public RunningImageServer bindNow() {
        if (directory == null) {
            throw new IllegalStateException("no directory configured");
        }
        if (clientCaPem != null && certPem == null) {
            throw new IllegalStateException("clientAuth needs tls");
        }
        Path root;
        try {
            root = directory.toRealPath();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve " + directory, e);
        }
        if (!Files.isDirectory(root)) {
            throw new IllegalArgumentException("not a directory: " + directory);
        }
        boolean secure = certPem != null;
        RequestLog log = new RequestLog();
        ServerMetrics metrics = new ServerMetrics();
        ChannelGroup channels = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
        ImageHandler handler = new ImageHandler(root, new ArrayList<>(faults), secure,
                recordRequests ? log : null, metrics, accessLog);
        HttpServer server = HttpServer.create()
                .host(host)
                .port(port)
                .doOnChannelInit((observer, channel, address) -> {
                    channels.add(channel);
                    metrics.connection();
                })
                .doOnConnection(connection -> {
                    var pipeline = connection.channel().pipeline();
                    if (pipeline.get(CloseDelimitedFraming.NAME) == null
                            && pipeline.get(NettyPipeline.HttpCodec) != null) {
                        pipeline.addAfter(NettyPipeline.HttpCodec, CloseDelimitedFraming.NAME,
                                new CloseDelimitedFraming());
                    }
                })
                .handle(handler::handle);
        if (secure) {
            server = server.secure(spec -> spec.sslContext(Http11SslContextSpec
                    .forServer(stream(certPem), stream(keyPem))
                    .configure(builder -> {
                        if (clientCaPem != null) {
                            builder.trustManager(stream(clientCaPem)).clientAuth(ClientAuth.REQUIRE);
                        }
                    }))
                    .handshakeTimeout(HANDSHAKE_TIMEOUT));
        }
        return new RunningImageServer(server.bindNow(), secure, log, channels);
    }

    /** Binds and starts the server when subscribed. */
    public Mono<RunningImageServer> bind() {
        return Mono.fromCallable(this::bindNow);
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    /**
     * Turns a response marked {@link ImageHandler#CLOSE_DELIMITED} into an HTTP/1.0-style body: neither
     * {@code Content-Length} nor {@code Transfer-Encoding}, so the body ends when the server closes the connection.
     */
    static final class CloseDelimitedFraming extends ChannelOutboundHandlerAdapter {
        static final String NAME = "flota.closeDelimited";

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse response && response.headers().contains(ImageHandler.CLOSE_DELIMITED)) {
                response.headers().remove(ImageHandler.CLOSE_DELIMITED)
                        .remove(HttpHeaderNames.TRANSFER_ENCODING)
                        .remove(HttpHeaderNames.CONTENT_LENGTH)
                        .set(HttpHeaderNames.CONNECTION, "close");
            }
            super.write(ctx, msg, promise);
        }
    }
}
