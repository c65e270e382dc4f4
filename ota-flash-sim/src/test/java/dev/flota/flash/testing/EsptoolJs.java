package dev.flota.flash.testing;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;

/**
 * Espressif's esptool-js {@value #VERSION} (npm), run by Node against a serial loader on TCP: a client for the
 * simulated device that nobody here wrote. esptool-js is installed outside the repository with
 * {@code npm install --prefix DIR esptool-js@0.7.0} (as {@code .ci/run} does), DIR being {@code $FLOTA_ESPTOOL_JS} or
 * {@code ~/.cache/flota/esptool-js-0.7.0}. The harness ({@code esptool-js/harness.mjs} beside this class) is copied
 * into DIR so that its {@code import "esptool-js"} resolves there, and runs a list of {@link EsptoolJsOperation}s over
 * one session, printing one JSON result.
 *
 * <pre>{@code
 * EsptoolJsResult r = EsptoolJs.require().run("127.0.0.1", port, List.of(EsptoolJsOperation.connect())).orThrow();
 * }</pre>
 *
 * Where Node or the install is missing, {@link #require()} skips the calling test with a visible notice.
 */
public final class EsptoolJs {

    public static final String VERSION = "0.7.0";

    private static final String HARNESS = "esptool-js/harness.mjs";
    private static final String INSTALLED_HARNESS = "flota-esptool-js-harness.mjs";
    private static final List<Path> NODE_LOCATIONS = List.of(Path.of("/usr/bin/node"), Path.of("/usr/local/bin/node"),
            Path.of("/opt/homebrew/bin/node"));
    private static final AtomicBoolean NOTICE_PRINTED = new AtomicBoolean();
    static final ObjectMapper JSON = new ObjectMapper().enable(DeserializationFeature.USE_LONG_FOR_INTS);

    private final Path node;
    private final Path directory;
    private final int baud;
    private final Duration timeout;
    private final Path frames;

    private EsptoolJs(Path node, Path directory, int baud, Duration timeout, Path frames) {
        this.node = node;
        this.directory = directory;
        this.baud = baud;
        this.timeout = timeout;
        this.frames = frames;
    }

    /** {@code $FLOTA_ESPTOOL_JS} (or the system property {@code flota.esptoolJs}), else the default cache folder. */
    public static Path installDirectory() {
        String configured = System.getProperty("flota.esptoolJs", System.getenv("FLOTA_ESPTOOL_JS"));
        if (configured != null && !configured.isBlank()) {
            return Path.of(configured).toAbsolutePath().normalize();
        }
        return Path.of(System.getProperty("user.home"), ".cache", "flota", "esptool-js-" + VERSION);
    }

    /** The {@code node} binary: the first on the PATH, then the usual install locations. */
    public static Optional<Path> node() {
        String path = Objects.requireNonNullElse(System.getenv("PATH"), "");
        return Arrays.stream(path.split(java.io.File.pathSeparator))
                .filter(dir -> !dir.isEmpty())
                .map(dir -> Path.of(dir, "node"))
                .filter(Files::isExecutable)
                .findFirst()
                .or(() -> NODE_LOCATIONS.stream().filter(Files::isExecutable).findFirst());
    }

    /** Why esptool-js cannot run here, or empty when Node and esptool-js {@value #VERSION} are installed. */
    public static Optional<String> missing() {
        if (node().isEmpty()) {
            return Optional.of("node is not installed (looked on the PATH and in " + NODE_LOCATIONS + ")");
        }
        Path dir = installDirectory();
        Path manifest = dir.resolve("node_modules/esptool-js/package.json");
        if (!Files.isRegularFile(manifest)) {
            return Optional.of("esptool-js is not installed in " + dir + " (npm install --prefix " + dir
                    + " esptool-js@" + VERSION + ", or set FLOTA_ESPTOOL_JS)");
        }
        try {
            String text = Files.readString(manifest);
            if (!text.matches("(?s).*\"version\"\\s*:\\s*\"" + VERSION.replace(".", "\\.") + "\".*")) {
                return Optional.of(manifest + " is not esptool-js " + VERSION);
            }
        } catch (IOException e) {
            return Optional.of("cannot read " + manifest + ": " + e.getMessage());
        }
        return Optional.empty();
    }

    public static boolean available() {
        return missing().isEmpty();
    }

    /** esptool-js when installed, else empty (for benches that report rather than skip). */
    public static Optional<EsptoolJs> find() {
        if (!available()) {
            return Optional.empty();
        }
        return Optional.of(new EsptoolJs(node().orElseThrow(), installDirectory(), 115200, Duration.ofMinutes(5),
                null));
    }

    /** esptool-js; skips the calling test with a notice when Node or the install is missing. */
    public static EsptoolJs require() {
        Optional<String> missing = missing();
        if (missing.isPresent()) {
            String notice = "esptool-js " + VERSION + " interop tests are SKIPPED: " + missing.get()
                    + " (.ci/run installs it)";
            if (NOTICE_PRINTED.compareAndSet(false, true)) {
                System.err.println("WARNING: " + notice);
            }
            Assumptions.abort(notice);
        }
        return find().orElseThrow();
    }

    /**
     * The baud rate esptool-js asks for after the stub is up (its {@code baudrate} option); other than 115200 it sends
     * CHANGE_BAUDRATE and reopens the port, which over TCP is a new connection.
     */
    public EsptoolJs baud(int baud) {
        if (baud <= 0) {
            throw new IllegalArgumentException("baud " + baud);
        }
        return new EsptoolJs(node, directory, baud, timeout, frames);
    }

    /** The limit for a whole run; the harness gives up with a timeout error, the process is killed soon after. */
    public EsptoolJs timeout(Duration timeout) {
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout " + timeout);
        }
        return new EsptoolJs(node, directory, baud, timeout, frames);
    }

    /** Writes every SLIP frame of the run, both directions, decoded, as hex lines into {@code file}. */
    public EsptoolJs frames(Path file) {
        return new EsptoolJs(node, directory, baud, timeout, file.toAbsolutePath());
    }

    /** Runs {@code operations} over one esptool-js session against the loader at {@code host:port}. */
    public EsptoolJsResult run(String host, int port, List<EsptoolJsOperation> operations) {
        Path harness = installHarness();
        Path work = null;
        try {
            work = Files.createTempDirectory("flota-esptool-js");
            Path ops = work.resolve("operations.json");
            Files.writeString(ops, operations.stream().map(EsptoolJsOperation::toJson)
                    .collect(Collectors.joining(",\n", "[", "]")));
            List<String> command = new ArrayList<>(List.of(node.toString(), harness.toString(), host + ":" + port,
                    "@" + ops, "--baud", Integer.toString(baud), "--timeout-ms",
                    Long.toString(timeout.toMillis())));
            if (frames != null) {
                command.addAll(List.of("--frames", frames.toString()));
            }
            Path out = work.resolve("stdout");
            Path err = work.resolve("stderr");
            Process process = new ProcessBuilder(command).directory(directory.toFile())
                    .redirectInput(ProcessBuilder.Redirect.from(nullFile()))
                    .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
            boolean exited;
            try {
                exited = process.waitFor(timeout.toMillis() + 10_000, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                process.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while esptool-js ran", e);
            }
            if (!exited) {
                process.destroyForcibly();
            }
            String log = Files.readString(err, StandardCharsets.UTF_8);
            if (!exited) {
                return new EsptoolJsResult(-1, List.of(), new EsptoolJsResult.Failure(null, -1, "TimeoutError",
                        "the harness did not exit within " + timeout + " and was killed"), List.of(), log);
            }
            return parse(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), log);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run esptool-js: " + e.getMessage(), e);
        } finally {
            deleteQuietly(work);
        }
    }

    static EsptoolJsResult parse(int exitCode, String stdout, String log) {
        String line = stdout.strip();
        if (line.isEmpty()) {
            return new EsptoolJsResult(exitCode, List.of(), new EsptoolJsResult.Failure(null, -1, "NoResult",
                    "the harness printed nothing"), List.of(), log);
        }
        Map<?, ?> root;
        try {
            root = JSON.readValue(line.substring(line.lastIndexOf('\n') + 1), Map.class);
        } catch (IOException | RuntimeException e) {
            return new EsptoolJsResult(exitCode, List.of(), new EsptoolJsResult.Failure(null, -1, "BadResult",
                    "the harness printed no JSON result: " + e.getMessage() + ": " + line), List.of(), log);
        }
        List<EsptoolJsResult.Step> steps = new ArrayList<>();
        for (Object o : (List<?>) root.get("ops")) {
            Map<?, ?> m = (Map<?, ?>) o;
            Map<String, Object> values = new java.util.LinkedHashMap<>();
            m.forEach((k, v) -> {
                if (!k.equals("op") && !k.equals("ms") && v != null) {
                    values.put(k.toString(), v);
                }
            });
            steps.add(new EsptoolJsResult.Step(m.get("op").toString(), ((Number) m.get("ms")).doubleValue(), values));
        }
        EsptoolJsResult.Failure failure = null;
        if (root.get("error") instanceof Map<?, ?> e) {
            failure = new EsptoolJsResult.Failure(e.get("op") == null ? null : e.get("op").toString(),
                    ((Number) e.get("index")).intValue(), String.valueOf(e.get("name")), String.valueOf(e.get("message")));
        } else if (!Boolean.TRUE.equals(root.get("ok"))) {
            failure = new EsptoolJsResult.Failure(null, -1, "BadResult", "not ok and no error: " + line);
        }
        List<String> warnings = root.get("warnings") instanceof List<?> w
                ? w.stream().map(String::valueOf).toList() : List.of();
        return new EsptoolJsResult(exitCode, steps, failure, warnings, log);
    }

    /** Copies the harness into the install folder (atomically, only when it changed) and returns its path there. */
    private Path installHarness() {
        byte[] harness;
        try (InputStream in = EsptoolJs.class.getResourceAsStream(HARNESS)) {
            if (in == null) {
                throw new IllegalStateException("the esptool-js harness is not on the classpath: " + HARNESS);
            }
            harness = in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Path target = directory.resolve(INSTALLED_HARNESS);
        try {
            if (Files.isRegularFile(target) && Arrays.equals(Files.readAllBytes(target), harness)) {
                return target;
            }
            Path temp = Files.createTempFile(directory, INSTALLED_HARNESS, ".tmp");
            Files.write(temp, harness);
            try {
                Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot copy the esptool-js harness into " + directory, e);
        }
    }

    private static java.io.File nullFile() {
        return new java.io.File(System.getProperty("os.name").startsWith("Windows") ? "NUL" : "/dev/null");
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.deleteIfExists(f);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary folder left behind is harmless
        }
    }
}
