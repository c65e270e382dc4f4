package dev.flota.ota.server;

import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.ClientAuth;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.UnaryOperator;
import reactor.core.publisher.Mono;
import reactor.netty.http.Http11SslContextSpec;
import reactor.netty.http.server.HttpServer;
import reactor.netty.resources.LoopResources;

/**
 * A static file server for firmware images on Reactor Netty: GET and HEAD, single byte ranges (206, 416), strong
 * ETag and Last-Modified with conditional requests (304, {@code If-Range}), keep-alive, zero-copy file sending on
 * plain HTTP (chunked file sending under TLS), optional mutual TLS, an access log, and Prometheus text at
 * {@code /metrics}, on event loops of its own (threads {@code flota-server-*}, one per core). Its file handling can be
 * decorated ({@link #handler(UnaryOperator)}), e.g. by the tests' fault injection to reproduce the servers OTA clients
 * meet. It is what Flota's conformance tests, the {@code serve} command and the demo run against.
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
    /** The prefix of the names of the servers' event loop threads. */
    static final String LOOP_THREADS = "flota-server";

    private final Path directory;
    private final String host;
    private final int port;
    private final String certPem;
    private final String keyPem;
    private final String clientCaPem;
    private final UnaryOperator<Function<FileRequest, FileReply>> decorator;
    private final Consumer<String> accessLog;
    private final boolean recordRequests;

    private ImageServer(Path directory, String host, int port, String certPem, String keyPem, String clientCaPem,
            UnaryOperator<Function<FileRequest, FileReply>> decorator, Consumer<String> accessLog,
            boolean recordRequests) {
        this.directory = directory;
        this.host = host;
        this.port = port;
        this.certPem = certPem;
        this.keyPem = keyPem;
        this.clientCaPem = clientCaPem;
        this.decorator = decorator;
        this.accessLog = accessLog;
        this.recordRequests = recordRequests;
    }

    /** Plain HTTP on 127.0.0.1, an ephemeral port, files served as they are, no access log; a directory is required. */
    public static ImageServer create() {
        return new ImageServer(null, "127.0.0.1", 0, null, null, null, UnaryOperator.identity(), null, true);
    }

    /** The directory whose regular files are served; requests cannot leave it. */
    public ImageServer directory(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, decorator, accessLog,
                recordRequests);
    }

    public ImageServer host(String host) {
        Objects.requireNonNull(host, "host");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, decorator, accessLog,
                recordRequests);
    }

    /** The port to listen on; 0 (the default) picks a free one, see {@link RunningImageServer#port()}. */
    public ImageServer port(int port) {
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port " + port);
        }
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, decorator, accessLog,
                recordRequests);
    }

    /** Serves HTTPS with this certificate chain and PKCS#8 key, both PEM. */
    public ImageServer tls(String certPem, String keyPem) {
        Objects.requireNonNull(certPem, "certPem");
        Objects.requireNonNull(keyPem, "keyPem");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, decorator, accessLog,
                recordRequests);
    }

    /** Requires a client certificate issued by this CA (mutual TLS); needs {@link #tls(String, String)}. */
    public ImageServer clientAuth(String caPem) {
        Objects.requireNonNull(caPem, "caPem");
        return new ImageServer(directory, host, port, certPem, keyPem, caPem, decorator, accessLog,
                recordRequests);
    }

    /**
     * Decorates how files are answered: {@code decorator} receives the file handling configured so far (the server's
     * own, or what earlier calls made of it) and returns the one to use, which may answer a {@link FileRequest}
     * itself, hand the handling it wraps a changed request, or change its {@link FileReply}. The server answers
     * {@code /metrics}, other methods and paths outside its directory before, and sends, logs and counts every reply.
     * The decorator is applied at each {@link #bindNow()}, so state it creates belongs to one running server; the
     * handling runs on Netty event loops and must not block.
     * <pre>{@code
     * ImageServer.create().directory(dir).handler(files -> request -> request.path().equals("/old.bin")
     *         ? FileReply.text(410, "gone\n") : files.apply(request));
     * }</pre>
     */
    public ImageServer handler(UnaryOperator<Function<FileRequest, FileReply>> decorator) {
        Objects.requireNonNull(decorator, "decorator");
        UnaryOperator<Function<FileRequest, FileReply>> earlier = this.decorator;
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem,
                files -> decorator.apply(earlier.apply(files)), accessLog, recordRequests);
    }

    /**
     * Receives one line per request, in the spirit of the Common Log Format, when its response starts. The sink is
     * called on a Netty event loop: it must not block (hand the line to a queue to write it to a terminal or file).
     */
    public ImageServer accessLog(Consumer<String> sink) {
        Objects.requireNonNull(sink, "sink");
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, decorator, sink, recordRequests);
    }

    /**
     * Whether {@link RunningImageServer#requests()} records each request (the default, for tests). A long-running
     * server turns it off so memory stays flat; the counters at {@code /metrics} are kept either way.
     */
    public ImageServer recordRequests(boolean record) {
        return new ImageServer(directory, host, port, certPem, keyPem, clientCaPem, decorator, accessLog, record);
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
        Function<FileRequest, FileReply> files = Objects.requireNonNull(decorator.apply(ImageHandler::serve),
                "the decorated file handling");
        ImageHandler handler = new ImageHandler(root, files, secure, recordRequests ? log : null, metrics, accessLog);
        HttpServer server = HttpServer.create()
                .runOn(Loops.SHARED)
                .host(host)
                .port(port)
                .doOnChannelInit((observer, channel, address) -> {
                    channels.add(channel);
                    metrics.connection();
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

    /**
     * The event loops every image server of this JVM runs on: one per core, as nginx's {@code worker_processes auto},
     * where Reactor Netty's default has at least four (more threads than cores to switch between, each woken for
     * fewer connections), and apart from the loops of the HTTP clients in the same JVM. Daemon threads, created when
     * the first server binds, for the life of the JVM.
     */
    private static final class Loops {
        static final LoopResources SHARED = LoopResources.create(LOOP_THREADS,
                Math.max(1, Runtime.getRuntime().availableProcessors()), true);
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
