package dev.flota.ota.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real nginx serving a directory, as the reference server for conformance tests and benchmarks: Flota must work
 * against what production uses, not only against its own {@link ImageServer}. Writes a minimal configuration into a
 * temporary directory (listen on 127.0.0.1 on a free port, optional TLS and client-certificate check, logs and pid in
 * that directory, {@code daemon off}), runs nginx as a child process and removes everything on
 * {@link Running#close()}. Workers run as the current user; as root the configuration says {@code user root} so
 * they can read what the caller can.
 *
 * <pre>{@code
 * assumeTrue(NginxServer.available());
 * try (NginxServer.Running nginx = NginxServer.create().directory(dir).tls(cert, key).startNow()) { ... }
 * }</pre>
 */
public final class NginxServer {

    private static final List<Path> LOCATIONS = List.of(Path.of("/usr/sbin/nginx"), Path.of("/usr/local/sbin/nginx"),
            Path.of("/usr/local/nginx/sbin/nginx"), Path.of("/opt/homebrew/bin/nginx"));
    private static final Duration STARTUP = Duration.ofSeconds(15);

    private final Path directory;
    private final String certPem;
    private final String keyPem;
    private final String clientCaPem;
    private final int workers;

    private NginxServer(Path directory, String certPem, String keyPem, String clientCaPem, int workers) {
        this.directory = directory;
        this.certPem = certPem;
        this.keyPem = keyPem;
        this.clientCaPem = clientCaPem;
        this.workers = workers;
    }

    /** Plain HTTP, one worker per CPU; a directory is required. */
    public static NginxServer create() {
        return new NginxServer(null, null, null, null, 0);
    }

    /** Whether an nginx binary was found on the PATH or in the usual places. */
    public static boolean available() {
        return binary().isPresent();
    }

    /** The nginx binary: the first executable {@code nginx} on the PATH, then the usual install locations. */
    public static Optional<Path> binary() {
        String path = System.getenv("PATH");
        Stream<Path> onPath = path == null ? Stream.empty()
                : Stream.of(path.split(java.io.File.pathSeparator)).filter(s -> !s.isEmpty())
                        .map(s -> Path.of(s, "nginx"));
        return Stream.concat(onPath, LOCATIONS.stream()).filter(Files::isExecutable).findFirst();
    }

    public NginxServer directory(Path directory) {
        Objects.requireNonNull(directory, "directory");
        return new NginxServer(directory, certPem, keyPem, clientCaPem, workers);
    }

    /** Serves HTTPS with this certificate chain and key, both PEM. */
    public NginxServer tls(String certPem, String keyPem) {
        Objects.requireNonNull(certPem, "certPem");
        Objects.requireNonNull(keyPem, "keyPem");
        return new NginxServer(directory, certPem, keyPem, clientCaPem, workers);
    }

    /** Requires a client certificate issued by this CA; needs {@link #tls(String, String)}. */
    public NginxServer clientAuth(String caPem) {
        Objects.requireNonNull(caPem, "caPem");
        return new NginxServer(directory, certPem, keyPem, caPem, workers);
    }

    /** The number of worker processes; 0 (the default) is nginx's {@code auto}. */
    public NginxServer workers(int workers) {
        if (workers < 0) {
            throw new IllegalArgumentException("workers " + workers);
        }
        return new NginxServer(directory, certPem, keyPem, clientCaPem, workers);
    }

    /** Starts nginx and waits until it accepts connections. */
    public Running startNow() {
        if (directory == null) {
            throw new IllegalStateException("no directory configured");
        }
        if (clientCaPem != null && certPem == null) {
            throw new IllegalStateException("clientAuth needs tls");
        }
        Path nginx = binary().orElseThrow(() -> new IllegalStateException(
                "nginx is not installed (looked on the PATH and in " + LOCATIONS + ")"));
        Path root;
        Path work;
        try {
            root = directory.toRealPath();
            work = Files.createTempDirectory("flota-nginx-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            try {
                return start(nginx, root, work, freePort());
            } catch (IllegalStateException e) {
                failure = e;
            } catch (IOException e) {
                failure = new IllegalStateException("cannot start nginx: " + e.getMessage(), e);
            }
        }
        delete(work);
        throw failure;
    }

    private Running start(Path nginx, Path root, Path work, int port) throws IOException {
        boolean secure = certPem != null;
        StringBuilder tls = new StringBuilder();
        if (secure) {
            Files.writeString(work.resolve("server.pem"), certPem);
            Files.writeString(work.resolve("server.key"), keyPem);
            tls.append("    ssl_certificate ").append(quote(work.resolve("server.pem"))).append(";\n")
                    .append("    ssl_certificate_key ").append(quote(work.resolve("server.key"))).append(";\n")
                    .append("    ssl_protocols TLSv1.2 TLSv1.3;\n")
                    .append("    ssl_session_cache shared:flota:1m;\n");
            if (clientCaPem != null) {
                Files.writeString(work.resolve("client-ca.pem"), clientCaPem);
                tls.append("    ssl_client_certificate ").append(quote(work.resolve("client-ca.pem"))).append(";\n")
                        .append("    ssl_verify_client on;\n");
            }
        }
        String temp = quote(work.resolve("temp"));
        Files.createDirectories(work.resolve("temp"));
        String config = (isRoot() ? "user root;\n" : "")
                + "daemon off;\n"
                + "worker_processes " + (workers == 0 ? "auto" : Integer.toString(workers)) + ";\n"
                + "pid " + quote(work.resolve("nginx.pid")) + ";\n"
                + "error_log " + quote(work.resolve("error.log")) + " warn;\n"
                + "events { worker_connections 4096; }\n"
                + "http {\n"
                + "  default_type application/octet-stream;\n"
                + "  access_log " + quote(work.resolve("access.log")) + ";\n"
                + "  client_body_temp_path " + temp + ";\n  proxy_temp_path " + temp + ";\n"
                + "  fastcgi_temp_path " + temp + ";\n  uwsgi_temp_path " + temp + ";\n  scgi_temp_path " + temp + ";\n"
                + "  sendfile on;\n  tcp_nopush on;\n  keepalive_timeout 65;\n  keepalive_requests 1000000;\n"
                + "  server {\n"
                + "    listen 127.0.0.1:" + port + (secure ? " ssl" : "") + ";\n"
                + tls
                + "    root " + quote(root) + ";\n"
                + "    location / { }\n"
                + "  }\n"
                + "}\n";
        Path conf = work.resolve("nginx.conf");
        Files.writeString(conf, config);
        Path output = work.resolve("nginx.out");
        Process process = new ProcessBuilder(nginx.toString(), "-p", work + "/", "-e",
                work.resolve("error.log").toString(), "-c", conf.toString())
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        long deadline = System.nanoTime() + STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                String log = read(output) + read(work.resolve("error.log"));
                Files.deleteIfExists(work.resolve("error.log"));
                throw new IllegalStateException("nginx exited with " + process.exitValue() + ": " + log.strip());
            }
            if (accepts(port)) {
                return new Running(process, port, secure, work);
            }
            try {
                process.waitFor(20, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        process.destroyForcibly();
        throw new IllegalStateException("nginx did not listen on port " + port + " within " + STARTUP);
    }

    /** A started nginx; {@link #close()} stops it and deletes its temporary directory. */
    public static final class Running implements AutoCloseable {
        private final Process process;
        private final int port;
        private final boolean secure;
        private final Path work;

        private Running(Process process, int port, boolean secure, Path work) {
            this.process = process;
            this.port = port;
            this.secure = secure;
            this.work = work;
        }

        public int port() {
            return port;
        }

        /** {@code https://127.0.0.1:PORT/} (or {@code http://}). */
        public String baseUrl() {
            return (secure ? "https" : "http") + "://127.0.0.1:" + port + "/";
        }

        public String url(String relativePath) {
            return baseUrl() + (relativePath.startsWith("/") ? relativePath.substring(1) : relativePath);
        }

        /** nginx's access log (deleted on close). */
        public Path accessLog() {
            return work.resolve("access.log");
        }

        public Path errorLog() {
            return work.resolve("error.log");
        }

        public boolean isAlive() {
            return process.isAlive();
        }

        @Override
        public void close() {
            process.destroy();
            try {
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
            }
            delete(work);
        }

        @Override
        public String toString() {
            return "NginxServer.Running[" + baseUrl() + "]";
        }
    }

    private static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket()) {
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress("127.0.0.1", 0));
            return socket.getLocalPort();
        }
    }

    private static boolean accepts(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static String quote(Path path) {
        return "\"" + path.toString().replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            return "";
        }
    }

    private static void delete(Path directory) {
        try (Stream<Path> files = Files.walk(directory)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a temporary directory left behind is harmless
        }
    }
}
