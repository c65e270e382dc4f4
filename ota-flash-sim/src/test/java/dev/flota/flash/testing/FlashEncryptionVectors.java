package dev.flota.flash.testing;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The vector rows of {@code vectors/flash_encryption/MANIFEST.md}: file, size, SHA-256, flash address, input, and the
 * key, scheme and {@code FLASH_CRYPT_CONFIG} their section or meaning names. Paths are relative to the vectors
 * folder, so {@link Vectors#bytes} reads them. Skips the caller (with {@link Vectors}' notice) when the vectors are
 * absent.
 */
public final class FlashEncryptionVectors {

    public static final String FOLDER = "flash_encryption";

    /** The scheme as the manifest names it. */
    public enum Scheme { ESP32, XTS_AES_128, XTS_AES_256 }

    /**
     * One vector row.
     *
     * @param decryptedView the file is the decryption of raw {@code input} (a {@code .dec} row), not its encryption
     * @param inputSha256   the input's SHA-256 from the manifest's input tables, or null when none lists it
     */
    public record Row(String section, String file, long bytes, String sha256, long address, String input,
            boolean decryptedView, String inputSha256, String key, Scheme scheme, int flashCryptConfig) {

        @Override
        public String toString() {
            return Path.of(file).getFileName().toString();
        }
    }

    private static final Pattern SECTION_KEY = Pattern.compile("key `(keys/[^`]+)`");
    private static final Pattern SECTION_CONF = Pattern.compile("`FLASH_CRYPT_CONFIG` = (0x[0-9A-Fa-f]+)");
    private static final Pattern MEANING_KEY = Pattern.compile("([\\w.-]+\\.bin)");
    private static final Pattern MEANING_CONF = Pattern.compile("conf (0x[0-9A-Fa-f]+)");

    private FlashEncryptionVectors() {
    }

    public static List<Row> rows() {
        Path manifest = Vectors.root().resolve(FOLDER).resolve("MANIFEST.md");
        Map<String, String> sha = new HashMap<>();
        List<String[]> vectorCells = new ArrayList<>();
        List<String> sections = new ArrayList<>();
        for (Manifest.TableRow row : Manifest.tableRows(manifest)) {
            String[] cells = row.cells().stream().map(c -> c.replace("`", "")).toArray(String[]::new);
            if (cells.length >= 3 && cells[1].matches("\\d+")) {
                sha.put(folderPath(cells[0]), cells[2].toLowerCase(Locale.ROOT));
            }
            if (cells.length >= 6 && cells[3].startsWith("0x")) {
                vectorCells.add(cells);
                sections.add(row.section());
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < vectorCells.size(); i++) {
            rows.add(row(sections.get(i), vectorCells.get(i), sha));
        }
        if (rows.isEmpty()) {
            throw new IllegalStateException(manifest + " has no vector rows");
        }
        return rows;
    }

    private static Row row(String section, String[] cells, Map<String, String> sha) {
        String file = folderPath(cells[0]);
        boolean decryptedView = cells[4].contains("(raw flash)");
        String input = folderPath(cells[4].replace("(raw flash)", "").trim());
        String meaning = cells[5];
        String key;
        Scheme scheme;
        int conf = 0xF;
        if (section.startsWith("espressif_test_vectors")) {
            key = folderPath("espressif_test_vectors/" + find(MEANING_KEY, meaning, file));
            scheme = meaning.startsWith("ESP32") ? Scheme.ESP32
                    : meaning.startsWith("XTS-AES-256") ? Scheme.XTS_AES_256 : Scheme.XTS_AES_128;
            if (scheme == Scheme.ESP32) {
                conf = Integer.decode(find(MEANING_CONF, meaning, file));
            }
        } else {
            key = folderPath(find(SECTION_KEY, section, file));
            scheme = section.contains("XTS-AES-256") ? Scheme.XTS_AES_256
                    : section.contains("XTS-AES-128") ? Scheme.XTS_AES_128 : Scheme.ESP32;
            if (scheme == Scheme.ESP32) {
                conf = Integer.decode(find(SECTION_CONF, section, file));
            }
        }
        return new Row(section, file, Long.parseLong(cells[1]), cells[2].toLowerCase(Locale.ROOT),
                Long.decode(cells[3]), input, decryptedView, sha.get(input), key, scheme, conf);
    }

    private static String find(Pattern pattern, String text, String file) {
        Matcher m = pattern.matcher(text);
        if (!m.find()) {
            throw new IllegalStateException("cannot read " + pattern + " for " + file + " from: " + text);
        }
        return m.group(1);
    }

    /** A manifest path (relative to {@code flash_encryption/}) as a path relative to the vectors folder. */
    private static String folderPath(String relative) {
        return Path.of(FOLDER).resolve(relative).normalize().toString().replace('\\', '/');
    }
}
