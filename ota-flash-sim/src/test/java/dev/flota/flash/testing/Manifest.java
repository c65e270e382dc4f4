package dev.flota.flash.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The file tables of {@code vectors/MANIFEST.md}: one {@link Row} per table row that names a file, with the section
 * it stands in. Tests walk every row of a section so that no vector is silently left out.
 */
public final class Manifest {

    /** One table row: the file path relative to the vectors folder, its size, SHA-256 and the expected-result text. */
    public record Row(String section, String file, long bytes, String sha256, String expected) {
    }

    private Manifest() {
    }

    /** Every row whose file lies under {@code folder/} (e.g. {@code "app_images"}), in manifest order, deduplicated. */
    public static List<Row> rowsUnder(String folder) {
        List<Row> rows = new ArrayList<>();
        for (Row row : all()) {
            if (row.file().startsWith(folder + "/") && rows.stream().noneMatch(r -> r.file().equals(row.file()))) {
                rows.add(row);
            }
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException("MANIFEST.md has no rows under " + folder);
        }
        return rows;
    }

    public static List<Row> all() {
        List<String> lines;
        try {
            lines = Files.readAllLines(Vectors.root().resolve("MANIFEST.md"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<Row> rows = new ArrayList<>();
        String section = "";
        for (String line : lines) {
            if (line.startsWith("#")) {
                section = line.replaceFirst("^#+\\s*", "");
                continue;
            }
            if (!line.startsWith("| `")) {
                continue;
            }
            String[] cells = line.substring(1, line.length() - (line.endsWith("|") ? 1 : 0)).split("\\|");
            if (cells.length < 4) {
                continue;
            }
            String file = unquote(cells[0]);
            long bytes = Long.parseLong(cells[1].trim());
            String sha = unquote(cells[2]).toLowerCase(Locale.ROOT);
            StringBuilder expected = new StringBuilder();
            for (int i = 3; i < cells.length; i++) {
                expected.append(i > 3 ? " | " : "").append(cells[i].trim());
            }
            rows.add(new Row(section, file, bytes, sha, expected.toString()));
        }
        return rows;
    }

    private static String unquote(String cell) {
        return cell.trim().replace("`", "");
    }
}
