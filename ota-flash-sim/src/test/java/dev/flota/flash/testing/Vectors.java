package dev.flota.flash.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Assumptions;

/**
 * Locates Espressif's interoperability vectors in {@code ../shared/vectors} beside the checkout. Tests read them in
 * place; where the folder is absent (a user's own clone) every interop test is skipped with a visible notice.
 */
public final class Vectors {

    private static final AtomicBoolean NOTICE_PRINTED = new AtomicBoolean();

    private Vectors() {
    }

    /** The vectors folder, or {@code null} when it is not beside the checkout. */
    public static Path rootOrNull() {
        String configured = System.getProperty("flota.vectors");
        Path root = configured != null ? Path.of(configured) : findFromWorkingDirectory();
        return root != null && Files.isRegularFile(root.resolve("MANIFEST.md")) ? root.normalize() : null;
    }

    public static boolean present() {
        return rootOrNull() != null;
    }

    /** The vectors folder; skips the calling test with a notice when it is absent. */
    public static Path root() {
        Path root = rootOrNull();
        if (root == null) {
            String notice = "Interop vectors not found at ../shared/vectors: Espressif interop tests are SKIPPED "
                    + "(the rest of the suite still covers the formats with generated data)";
            if (NOTICE_PRINTED.compareAndSet(false, true)) {
                System.err.println("WARNING: " + notice);
            }
            Assumptions.abort(notice);
        }
        return root;
    }

    /** A vector file by its path relative to the vectors folder, as written in MANIFEST.md. */
    public static Path file(String relative) {
        Path path = root().resolve(relative);
        if (!Files.isRegularFile(path)) {
            throw new IllegalStateException("vector named in the test is missing: " + path);
        }
        return path;
    }

    public static byte[] bytes(String relative) {
        try {
            return Files.readAllBytes(file(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path findFromWorkingDirectory() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("../shared/vectors");
            if (Files.isDirectory(dir.resolve(".ci")) && Files.isDirectory(candidate)) {
                return candidate;
            }
        }
        return null;
    }
}
