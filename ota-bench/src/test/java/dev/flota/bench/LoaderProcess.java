package dev.flota.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ota-bench flash loader FILE --port 0} in a JVM of its own, as a user runs it: started, its port read from
 * the ready line, stopped with SIGTERM.
 */
public final class LoaderProcess implements AutoCloseable {

    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    private final Process process;
    private final int port;

    private LoaderProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    /** Starts {@code flash loader flash --port 0 extraArguments...} and waits for its ready line. */
    public static LoaderProcess start(Path flash, String... extraArguments) throws IOException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java")
                .toString(), "-cp", System.getProperty("java.class.path"), OtaBench.class.getName(), "flash", "loader",
                flash.toString(), "--port", "0"));
        command.addAll(List.of(extraArguments));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        try {
            BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream(),
                    StandardCharsets.UTF_8));
            StringBuilder seen = new StringBuilder();
            for (String line; (line = lines.readLine()) != null; ) {
                seen.append(line).append('\n');
                Matcher matcher = LISTENING.matcher(line);
                if (matcher.find()) {
                    return new LoaderProcess(process, Integer.parseInt(matcher.group(1)));
                }
            }
            throw new AssertionError("flash loader ended without its ready line:\n" + seen);
        } catch (IOException | RuntimeException | AssertionError e) {
            process.destroyForcibly();
            throw e;
        }
    }

    public int port() {
        return port;
    }

    /** {@code socket://127.0.0.1:PORT}, as esptool and {@code update --port} take it. */
    public String socketUrl() {
        return "socket://127.0.0.1:" + port;
    }

    /** SIGTERM, then waits until the process has saved FILE and ended. */
    public void stop() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("flash loader stops on SIGTERM").isTrue();
    }

    @Override
    public void close() {
        process.destroyForcibly();
    }
}
