package dev.flota.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** The JSON written by {@code --json}: pretty-printed, keys in insertion order, nulls kept. */
public final class Json {

    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Json() {
    }

    public static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    public static void print(PrintWriter out, Object value) {
        try {
            out.println(MAPPER.writeValueAsString(value));
            out.flush();
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Writes {@code value} pretty-printed to {@code file}, as {@code --json FILE} does. */
    public static void write(Path file, JsonNode value) {
        CliFiles.write(file, value.toPrettyString().getBytes(StandardCharsets.UTF_8));
    }

    public static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
