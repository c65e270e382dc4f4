package dev.flota.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** File access for commands: an unreadable input is a usage error (exit 2) with one clear line. */
public final class CliFiles {

    private CliFiles() {
    }

    public static byte[] read(Path path) {
        try {
            if (!Files.isRegularFile(path)) {
                throw new UsageException("cannot read " + path + ": no such file");
            }
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UsageException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    public static String readText(Path path) {
        return new String(read(path), java.nio.charset.StandardCharsets.UTF_8);
    }

    public static void write(Path path, byte[] content) {
        try {
            Files.write(path, content);
        } catch (IOException e) {
            throw new UsageException("cannot write " + path + ": " + e.getMessage(), e);
        }
    }
}
