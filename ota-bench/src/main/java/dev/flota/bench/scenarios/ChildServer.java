package dev.flota.bench.scenarios;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Flota's image server ({@code ota-bench serve}) in a JVM of its own, so that the bench's process CPU time is the
 * client's alone. In one JVM the server and the clients share Reactor Netty's event loops, and no per-thread clock can
 * tell their work apart; a child process also keeps the server's heap out of the client's {@code -Xmx}.
 */
final class ChildServer implements AutoCloseable {

    /** A system property with JVM options for the child, e.g. {@code -XX:StartFlightRecording=filename=s.jfr}. */
    static final String JVM_OPTIONS = "flota.bench.childServerJvmOptions";

    private final Process process;
    private final String baseUrl;
    private final Path log;

    private ChildServer(Process process, String baseUrl, Path log) {
        this.process = process;
        this.baseUrl = baseUrl;
        this.log = log;
    }

    /** Starts serving {@code dir} over HTTPS on a free port of 127.0.0.1 and waits until it listens. */
    static ChildServer start(Path dir, Path cert, Path key) throws IOException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse("java"));
        String options = System.getProperty(JVM_OPTIONS, "").strip();
        if (!options.isEmpty()) {
            command.addAll(List.of(options.split("\\s+")));
        }
        command.add("-cp");
        command.add(System.getProperty("java.class.path"));
        command.add("dev.flota.bench.OtaBench");
        command.addAll(List.of("serve", "--port", "0", "--quiet", "--tls-cert", cert.toString(), "--tls-key",
                key.toString(), dir.toString()));
        // Output to a file, not a pipe: no thread of this JVM waits in a native read, taking JFR's native samples.
        Path log = Files.createTempFile("flota-child-server", ".log");
        Process process = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        try {
            while (System.nanoTime() < deadline) {
                String text = Files.readString(log, StandardCharsets.UTF_8);
                for (String line : text.split("\n")) {
                    int at = line.indexOf(" at https://");
                    if (line.startsWith("serving ") && at > 0) {
                        String url = line.substring(at + 4).trim();
                        return new ChildServer(process, url.endsWith("/") ? url : url + "/", log);
                    }
                }
                if (!process.isAlive()) {
                    throw new IOException("the child server did not start: " + text);
                }
                Thread.sleep(20);
            }
            process.destroyForcibly();
            throw new IOException("the child server did not listen within 60 s: " + Files.readString(log));
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while the child server started", e);
        }
    }

    String url(String file) {
        return baseUrl + file;
    }

    /** The child's CPU time so far (user + system, all its threads), or -1 where the OS does not tell. */
    double cpuSeconds() {
        return process.toHandle().info().totalCpuDuration().map(d -> d.toNanos() / 1e9).orElse(-1.0);
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        try {
            Files.deleteIfExists(log);
        } catch (IOException ignored) {
            // a temporary file
        }
    }
}
