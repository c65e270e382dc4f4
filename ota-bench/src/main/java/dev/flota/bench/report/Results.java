package dev.flota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Reading bench results, the objects {@code --json} writes: which scenario a result is, and its numbers, where a
 * missing or non-numeric field is {@code NaN} (drawn as "n/a") rather than an error.
 */
final class Results {

    private Results() {
    }

    /** The scenario of a result: its {@code scenario} field, else {@code single} for a bare {@code cases} list. */
    static String scenario(JsonNode result) {
        String scenario = result.path("scenario").asText("");
        if (!scenario.isEmpty()) {
            return scenario;
        }
        return result.path("cases").isArray() ? "single" : "result";
    }

    /** The results of {@code scenario}, in their order. */
    static List<JsonNode> of(List<? extends JsonNode> results, String scenario) {
        List<JsonNode> matching = new ArrayList<>();
        for (JsonNode r : results) {
            if (r != null && scenario(r).equals(scenario)) {
                matching.add(r);
            }
        }
        return matching;
    }

    /** The elements of a JSON array (none for anything else). */
    static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    /** {@code node.field} as a number, {@code NaN} when absent or not a number. */
    static double number(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isNumber() ? value.asDouble() : Double.NaN;
    }

    /** {@code field} of each node, as {@link #number}. */
    static double[] values(List<JsonNode> nodes, String field) {
        double[] values = new double[nodes.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = number(nodes.get(i), field);
        }
        return values;
    }
}
