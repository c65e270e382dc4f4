package dev.flota.ota.serial;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Base64;
import java.util.Objects;

/**
 * A flasher stub as esptool and esptool-js ship it, one JSON file per chip: the {@code text} and {@code data}
 * segments (base64) with their load addresses and the entry point. Uploaded to RAM with MEM_BEGIN/DATA/END, it
 * answers {@code OHAI} and then speaks the stub dialect (2-byte status, ERASE_FLASH, streamed READ_FLASH, 16 KiB
 * blocks). No stub ships with Flota: users point at the file their esptool or esptool-js installed.
 *
 * @param text      the code segment
 * @param textStart its load address
 * @param data      the data segment (may be empty)
 * @param dataStart its load address
 * @param entry     where MEM_END jumps
 */
public record StubImage(byte[] text, long textStart, byte[] data, long dataStart, long entry) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public StubImage {
        Objects.requireNonNull(text, "text");
        Objects.requireNonNull(data, "data");
        if (text.length == 0) {
            throw new IllegalArgumentException("a stub has code: its text segment is empty");
        }
        text = text.clone();
        data = data.clone();
    }

    /** Reads a stub JSON file ({@code stub_flasher_32.json}, {@code esp32c3.json} ...). */
    public static StubImage read(Path file) throws IOException {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            throw new IOException(file + " is not a stub loader JSON: " + e.getMessage(), e);
        }
    }

    /**
     * Parses the JSON: keys {@code text}, {@code data} (base64), {@code text_start}, {@code data_start},
     * {@code entry}; other keys ({@code bss_start}, plugin fields) are ignored.
     *
     * @throws IllegalArgumentException when a key is missing or of the wrong kind
     */
    public static StubImage parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("not JSON: " + e.getOriginalMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new IllegalArgumentException("stub JSON is not an object");
        }
        byte[] text = base64(root, "text");
        byte[] data = root.has("data") ? base64(root, "data") : new byte[0];
        long dataStart = root.has("data_start") ? number(root, "data_start") : 0;
        return new StubImage(text, number(root, "text_start"), data, dataStart, number(root, "entry"));
    }

    /** The JSON of this stub, in the keys {@link #parse} reads. */
    public String toJson() {
        Base64.Encoder b64 = Base64.getEncoder();
        return JSON.createObjectNode().put("entry", entry).put("text", b64.encodeToString(text))
                .put("text_start", textStart).put("data", b64.encodeToString(data)).put("data_start", dataStart)
                .toString();
    }

    private static byte[] base64(JsonNode root, String key) {
        JsonNode value = root.get(key);
        if (value == null || !value.isTextual()) {
            throw new IllegalArgumentException("stub JSON has no base64 string \"" + key + "\"");
        }
        try {
            return Base64.getDecoder().decode(value.asText());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("stub JSON \"" + key + "\" is not base64: " + e.getMessage(), e);
        }
    }

    private static long number(JsonNode root, String key) {
        JsonNode value = root.get(key);
        if (value == null || !value.isIntegralNumber() || value.asLong() < 0 || value.asLong() > 0xFFFFFFFFL) {
            throw new IllegalArgumentException("stub JSON has no 32-bit address \"" + key + "\"");
        }
        return value.asLong();
    }

    @Override
    public byte[] text() {
        return text.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof StubImage s && Arrays.equals(s.text, text) && Arrays.equals(s.data, data)
                && s.textStart == textStart && s.dataStart == dataStart && s.entry == entry;
    }

    @Override
    public int hashCode() {
        return Objects.hash(Arrays.hashCode(text), Arrays.hashCode(data), textStart, dataStart, entry);
    }

    @Override
    public String toString() {
        return String.format("StubImage[text %d B at 0x%08x, data %d B at 0x%08x, entry 0x%08x]", text.length,
                textStart, data.length, dataStart, entry);
    }
}
