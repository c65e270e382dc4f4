package dev.flota.flash.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
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
        List<Row> rows = new ArrayList<>();
        for (TableRow row : tableRows(Vectors.root().resolve("MANIFEST.md"))) {
            List<String> cells = row.cells();
            if (cells.size() < 4) {
                continue;
            }
            String file = unquote(cells.get(0));
            long bytes = Long.parseLong(cells.get(1));
            String sha = unquote(cells.get(2)).toLowerCase(Locale.ROOT);
            rows.add(new Row(row.section(), file, bytes, sha, String.join(" | ", cells.subList(3, cells.size()))));
        }
        return rows;
    }

    /** A row of a table in a manifest that starts with a quoted file name: its cells trimmed, and its section. */
    public record TableRow(String section, List<String> cells) {
    }

    /** Every table row of {@code manifest} whose first cell is quoted ({@code | `file` | ...}), in order. */
    public static List<TableRow> tableRows(Path manifest) {
        List<String> lines;
        try {
            lines = Files.readAllLines(manifest);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<TableRow> rows = new ArrayList<>();
        String section = "";
        for (String line : lines) {
            if (line.startsWith("#")) {
                section = line.replaceFirst("^#+\\s*", "");
            } else if (line.startsWith("| `")) {
                String[] cells = line.substring(1, line.length() - (line.endsWith("|") ? 1 : 0)).split("\\|");
                rows.add(new TableRow(section, Arrays.stream(cells).map(String::trim).toList()));
            }
        }
        return rows;
    }

    private static String unquote(String cell) {
        return cell.trim().replace("`", "");
    }
}
