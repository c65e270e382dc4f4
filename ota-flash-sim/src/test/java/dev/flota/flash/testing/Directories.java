package dev.flota.flash.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/** Removing the temporary directory trees that tests, the benches and the demo write their files into. */
public final class Directories {

    private Directories() {
    }

    /** Deletes {@code dir} and everything below it, deepest first; the first file that cannot go ends it. */
    public static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }

    /** Deletes what it can of {@code dir} and below, ignoring failures: a temporary directory left is harmless. */
    public static void deleteTreeQuietly(Path dir) {
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort
        }
    }
}
