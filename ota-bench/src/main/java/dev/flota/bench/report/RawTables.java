package dev.flota.bench.report;

import static dev.flota.bench.report.ReportText.escape;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** The raw numbers under the charts: one table of a result's fields, and one per array of objects in it. */
final class RawTables {

    private RawTables() {
    }

    /** The tables of {@code result}. */
    static void rawTable(StringBuilder html, JsonNode result) {
        Map<String, JsonNode> fields = new LinkedHashMap<>();
        Map<String, JsonNode> tables = new LinkedHashMap<>();
        flatten("", result, fields, tables);
        html.append("<table>\n<tr><th>field</th><th>value</th></tr>\n");
        fields.forEach((name, value) -> html.append("<tr><td>").append(escape(name)).append("</td>")
                .append(cell(value)).append("</tr>\n"));
        html.append("</table>\n");
        tables.forEach((name, rows) -> {
            Set<String> columns = new LinkedHashSet<>();
            List<Map<String, JsonNode>> flatRows = new ArrayList<>();
            for (JsonNode row : rows) {
                Map<String, JsonNode> flat = new LinkedHashMap<>();
                flatten("", row, flat, new LinkedHashMap<>());
                columns.addAll(flat.keySet());
                flatRows.add(flat);
            }
            html.append("<table>\n<caption>").append(escape(name)).append("</caption>\n<tr>");
            columns.forEach(c -> html.append("<th>").append(escape(c)).append("</th>"));
            html.append("</tr>\n");
            for (Map<String, JsonNode> row : flatRows) {
                html.append("<tr>");
                columns.forEach(c -> html.append(cell(row.get(c))));
                html.append("</tr>\n");
            }
            html.append("</table>\n");
        });
    }

    /** Scalars become fields ({@code a.b} for nested objects); arrays of objects become tables; others a summary. */
    private static void flatten(String prefix, JsonNode node, Map<String, JsonNode> fields,
            Map<String, JsonNode> tables) {
        if (!node.isObject()) {
            fields.put(prefix.isEmpty() ? "value" : prefix, node);
            return;
        }
        Iterator<Map.Entry<String, JsonNode>> entries = node.fields();
        while (entries.hasNext()) {
            Map.Entry<String, JsonNode> entry = entries.next();
            String name = prefix + entry.getKey();
            JsonNode value = entry.getValue();
            if (value.isObject()) {
                flatten(name + ".", value, fields, tables);
            } else if (value.isArray() && value.size() > 0 && value.get(0).isObject()) {
                tables.put(name, value);
            } else {
                fields.put(name, value);
            }
        }
    }

    private static String cell(JsonNode value) {
        if (value == null || value.isMissingNode()) {
            return "<td></td>";
        }
        if (value.isNull()) {
            return "<td class=\"muted\">null</td>";
        }
        if (value.isNumber()) {
            return "<td class=\"n\">" + escape(value.asText()) + "</td>";
        }
        if (value.isArray()) {
            boolean scalars = true;
            for (JsonNode v : value) {
                scalars &= v.isValueNode();
            }
            if (value.size() > 20 || !scalars) {
                return "<td class=\"muted\">" + value.size() + " values</td>";
            }
            List<String> items = new ArrayList<>();
            value.forEach(v -> items.add(v.asText()));
            return "<td>" + escape(String.join(", ", items)) + "</td>";
        }
        return "<td>" + escape(value.asText()) + "</td>";
    }
}
