package dev.flota.bench.report;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.CliFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The {@code --html} report of the bench: one self-contained, well-formed (XHTML-compatible) HTML file with inline
 * SVG charts drawn here and no external script, style sheet, font or link, so it can be mailed or attached to a
 * release as it is. Takes any mix of bench results (the objects their {@code --json} writes) and draws, by
 * {@code scenario}:
 * <ul>
 * <li>{@code single} ({@code cases: [{name, mbPerSec, curlMbPerSec, ratioToCurl, jdkHttpClientMbPerSec?}]}): bars, Flota
 * against curl (and the JDK HttpClient when present) per case, the ratio to curl above each group;</li>
 * <li>{@code server} ({@code flota: {requestsPerSec, mbPerSec}, nginx: {...} or null, ratioToNginx}): bars, Flota
 * against nginx, for requests/s and MB/s;</li>
 * <li>{@code fleet} ({@code devices, aggregateMbPerSec, p50Ms, p99Ms}): throughput and p50/p99 latency against the
 * device count, one point per result, joined by lines when there are several;</li>
 * <li>{@code faults} (a result, or its {@code cases}, with {@code name}, {@code completionRate} (a fraction or a
 * percentage) or {@code succeeded}/{@code devices}, and {@code wastedBytes}): completion rate and wasted bytes per
 * case.</li>
 * </ul>
 * followed by every result's raw numbers in tables and the date the report was written. All text is escaped.
 */
public final class BenchReport {

    private static final String FLOTA = "#2563eb";
    private static final String REFERENCE = "#9ca3af";
    private static final String SECOND_REFERENCE = "#f59e0b";
    private static final String P99 = "#dc2626";
    private static final String STYLE = """
            body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:2em auto;max-width:1100px;\
            padding:0 1em;color:#111827}
            h1{font-size:1.6em}h2{font-size:1.3em;margin-top:1.6em;border-bottom:1px solid #e5e7eb}\
            h3{font-size:1.05em}
            svg{max-width:100%;height:auto;display:block;margin:1em 0}
            table{border-collapse:collapse;margin:.5em 0 1.5em;font-size:.9em}
            th,td{border:1px solid #d1d5db;padding:.25em .6em;text-align:left}td.n{text-align:right}
            th{background:#f3f4f6}.muted{color:#6b7280}
            """;

    private BenchReport() {
    }

    /** A data series of a chart: a name, a colour and one value per category or point ({@code NaN}: none). */
    private record Series(String name, String color, double[] values) {
    }

    /** Writes the report for {@code results} to {@code out}; an unwritable file is a usage error (exit 2). */
    public static void writeHtml(Path out, String title, List<? extends JsonNode> results) {
        CliFiles.write(out, html(title, results).getBytes(StandardCharsets.UTF_8));
    }

    /** The report as a string, dated now. */
    public static String html(String title, List<? extends JsonNode> results) {
        return html(title, results, ZonedDateTime.now().truncatedTo(ChronoUnit.SECONDS));
    }

    static String html(String title, List<? extends JsonNode> results, ZonedDateTime date) {
        Objects.requireNonNull(title, "title");
        Objects.requireNonNull(results, "results");
        StringBuilder html = new StringBuilder(16 * 1024);
        html.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
                .append("<title>").append(escape(title)).append("</title>\n<style>\n").append(STYLE)
                .append("</style>\n</head>\n<body>\n")
                .append("<h1>").append(escape(title)).append("</h1>\n")
                .append("<p class=\"muted\">Written ").append(escape(date.format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)))
                .append(" by ota-bench; ").append(results.size()).append(results.size() == 1 ? " result" : " results")
                .append(". MB/s are 10<sup>6</sup> bytes per second.</p>\n");

        List<JsonNode> single = of(results, "single");
        List<JsonNode> server = of(results, "server");
        List<JsonNode> fleet = of(results, "fleet");
        List<JsonNode> faults = of(results, "faults");
        if (!single.isEmpty()) {
            html.append("<h2>Single device: Flota against curl</h2>\n");
            for (JsonNode result : single) {
                single(html, result);
            }
        }
        if (!server.isEmpty()) {
            html.append("<h2>Image server: Flota against nginx</h2>\n");
            server(html, server);
        }
        if (!fleet.isEmpty()) {
            html.append("<h2>Fleet: throughput and update time against device count</h2>\n");
            fleet(html, fleet);
        }
        if (!faults.isEmpty()) {
            html.append("<h2>Faults: completion and wasted bytes</h2>\n");
            for (JsonNode result : faults) {
                faults(html, result);
            }
        }

        html.append("<h2>Raw numbers</h2>\n");
        int index = 1;
        for (JsonNode result : results) {
            html.append("<h3>").append(index++).append(". ").append(escape(scenario(result))).append("</h3>\n");
            rawTable(html, result);
        }
        html.append("</body>\n</html>\n");
        return html.toString();
    }

    // --- scenarios ----------------------------------------------------------------------------------------------

    private static void single(StringBuilder html, JsonNode result) {
        List<JsonNode> cases = list(result.path("cases"));
        if (cases.isEmpty()) {
            html.append("<p class=\"muted\">No cases.</p>\n");
            return;
        }
        List<String> names = new ArrayList<>();
        List<String> ratios = new ArrayList<>();
        for (JsonNode c : cases) {
            names.add(c.path("name").asText("?"));
            double ratio = number(c, "ratioToCurl");
            if (Double.isNaN(ratio)) {
                double curl = number(c, "curlMbPerSec");
                ratio = curl > 0 ? number(c, "mbPerSec") / curl : Double.NaN;
            }
            ratios.add(Double.isNaN(ratio) ? "" : format(ratio, 2) + "x curl");
        }
        List<Series> series = new ArrayList<>();
        series.add(new Series("Flota", FLOTA, values(cases, "mbPerSec")));
        addIfPresent(series, new Series("curl", REFERENCE, values(cases, "curlMbPerSec")));
        Series jdk = new Series("JDK HttpClient", SECOND_REFERENCE, values(cases, "jdkHttpClientMbPerSec"));
        addIfPresent(series, present(jdk) ? jdk
                : new Series("JDK HttpClient", SECOND_REFERENCE, values(cases, "jdkMbPerSec")));
        html.append(barChart("Throughput per case (MB/s)", names, series, ratios, Double.NaN));
    }

    private static void server(StringBuilder html, List<JsonNode> results) {
        List<String> names = new ArrayList<>();
        List<String> ratios = new ArrayList<>();
        double[] flotaRps = new double[results.size()];
        double[] nginxRps = new double[results.size()];
        double[] flotaMb = new double[results.size()];
        double[] nginxMb = new double[results.size()];
        boolean anyNginx = false;
        for (int i = 0; i < results.size(); i++) {
            JsonNode r = results.get(i);
            String name = compact(number(r, "clients")) + " clients";
            if (r.path("rangeSize").isNumber()) {
                name += ", " + bytes(r.path("rangeSize").asDouble()) + " ranges";
            }
            names.add(name);
            flotaRps[i] = number(r.path("flota"), "requestsPerSec");
            flotaMb[i] = number(r.path("flota"), "mbPerSec");
            nginxRps[i] = number(r.path("nginx"), "requestsPerSec");
            nginxMb[i] = number(r.path("nginx"), "mbPerSec");
            anyNginx |= !Double.isNaN(nginxRps[i]);
            double ratio = number(r, "ratioToNginx");
            ratios.add(!Double.isNaN(ratio) ? format(ratio, 2) + "x nginx"
                    : r.path("nginx").isObject() ? "" : "nginx not installed");
        }
        List<Series> rps = new ArrayList<>(List.of(new Series("Flota", FLOTA, flotaRps)));
        List<Series> mb = new ArrayList<>(List.of(new Series("Flota", FLOTA, flotaMb)));
        if (anyNginx) {
            rps.add(new Series("nginx", REFERENCE, nginxRps));
            mb.add(new Series("nginx", REFERENCE, nginxMb));
        }
        html.append(barChart("Requests per second", names, rps, ratios, Double.NaN));
        html.append(barChart("Throughput (MB/s)", names, mb, ratios, Double.NaN));
    }

    private static void fleet(StringBuilder html, List<JsonNode> results) {
        List<JsonNode> sorted = new ArrayList<>(results);
        sorted.sort((a, b) -> Double.compare(number(a, "devices"), number(b, "devices")));
        List<String> xs = new ArrayList<>();
        for (JsonNode r : sorted) {
            xs.add(format(number(r, "devices"), 0));
        }
        html.append(lineChart("Aggregate throughput (MB/s)", "devices", xs,
                List.of(new Series("Flota", FLOTA, values(sorted, "aggregateMbPerSec")))));
        html.append(lineChart("Update time (ms)", "devices", xs, List.of(
                new Series("p50", FLOTA, values(sorted, "p50Ms")),
                new Series("p99", P99, values(sorted, "p99Ms")))));
    }

    private static void faults(StringBuilder html, JsonNode result) {
        List<JsonNode> cases = result.path("cases").isArray() ? list(result.path("cases")) : List.of(result);
        if (cases.isEmpty()) {
            html.append("<p class=\"muted\">No cases.</p>\n");
            return;
        }
        List<String> names = new ArrayList<>();
        double[] completion = new double[cases.size()];
        double[] wasted = new double[cases.size()];
        for (int i = 0; i < cases.size(); i++) {
            JsonNode c = cases.get(i);
            names.add(c.path("name").asText(c.path("case").asText("faults")));
            completion[i] = completionPercent(c);
            wasted[i] = number(c, "wastedBytes");
            if (Double.isNaN(wasted[i])) {
                wasted[i] = number(c, "bytesWasted");
            }
        }
        List<String> labels = new ArrayList<>();
        for (double c : completion) {
            labels.add(Double.isNaN(c) ? "" : format(c, 1) + " %");
        }
        html.append(barChart("Completion rate (%)", names, List.of(new Series("completed", FLOTA, completion)),
                labels, 100));
        html.append(barChart("Wasted bytes", names, List.of(new Series("wasted", SECOND_REFERENCE, wasted)),
                List.of(), Double.NaN));
    }

    private static double completionPercent(JsonNode c) {
        double rate = number(c, "completionRate");
        if (!Double.isNaN(rate)) {
            return rate <= 1.0 ? rate * 100 : rate;
        }
        rate = number(c, "completionPercent");
        if (!Double.isNaN(rate)) {
            return rate;
        }
        double devices = number(c, "devices");
        double succeeded = number(c, "succeeded");
        return devices > 0 && !Double.isNaN(succeeded) ? succeeded * 100 / devices : Double.NaN;
    }

    // --- charts -------------------------------------------------------------------------------------------------

    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    private static final int TOP = 56;
    private static final int PLOT_HEIGHT = 240;
    private static final int BOTTOM = 56;

    /** Grouped bars: one group per category, one bar per series, a label above each group. */
    private static String barChart(String title, List<String> categories, List<Series> series,
            List<String> groupLabels, double fixedMax) {
        int bars = Math.max(1, series.size());
        int barWidth = 34;
        int groupWidth = Math.max(Math.max(170, bars * (barWidth + 6) + 50),
                (420 - LEFT - RIGHT) / Math.max(1, categories.size()));
        int width = LEFT + RIGHT + Math.max(1, categories.size()) * groupWidth;
        int height = TOP + PLOT_HEIGHT + BOTTOM;
        double max = Double.isNaN(fixedMax) ? niceMax(maxOf(series)) : fixedMax;
        StringBuilder svg = svgStart(width, height, title);
        axes(svg, width, max);
        legend(svg, width, series);
        int baseline = TOP + PLOT_HEIGHT;
        for (int g = 0; g < categories.size(); g++) {
            int groupX = LEFT + g * groupWidth;
            int barsX = groupX + (groupWidth - bars * (barWidth + 6) + 6) / 2;
            double top = baseline;
            for (int s = 0; s < series.size(); s++) {
                double value = g < series.get(s).values().length ? series.get(s).values()[g] : Double.NaN;
                int x = barsX + s * (barWidth + 6);
                if (Double.isNaN(value)) {
                    text(svg, x + barWidth / 2.0, baseline - 4, "n/a", "middle", 10, "#6b7280");
                    continue;
                }
                double h = max > 0 ? Math.min(1, Math.max(0, value / max)) * PLOT_HEIGHT : 0;
                svg.append("<rect x=\"").append(x).append("\" y=\"").append(fmt(baseline - h))
                        .append("\" width=\"").append(barWidth).append("\" height=\"").append(fmt(h))
                        .append("\" fill=\"").append(series.get(s).color()).append("\"><title>")
                        .append(escape(series.get(s).name() + " " + categories.get(g) + ": " + format(value, 2)))
                        .append("</title></rect>\n");
                text(svg, x + barWidth / 2.0, baseline - h - 4, compact(value), "middle", 10, "#374151");
                top = Math.min(top, baseline - h);
            }
            if (g < groupLabels.size() && !groupLabels.get(g).isEmpty()) {
                text(svg, groupX + groupWidth / 2.0, Math.max(TOP - 4, top - 18), groupLabels.get(g), "middle", 12,
                        "#111827", true);
            }
            text(svg, groupX + groupWidth / 2.0, baseline + 18, categories.get(g), "middle", 11, "#111827");
        }
        return svg.append("</svg>\n").toString();
    }

    /** Points at evenly spaced x positions (the sorted device counts), one line per series. */
    private static String lineChart(String title, String xLabel, List<String> xs, List<Series> series) {
        int step = 110;
        int width = LEFT + RIGHT + Math.max(2, xs.size()) * step;
        int height = TOP + PLOT_HEIGHT + BOTTOM;
        double max = niceMax(maxOf(series));
        StringBuilder svg = svgStart(width, height, title);
        axes(svg, width, max);
        legend(svg, width, series);
        int baseline = TOP + PLOT_HEIGHT;
        for (int i = 0; i < xs.size(); i++) {
            text(svg, LEFT + step / 2.0 + i * step, baseline + 18, xs.get(i), "middle", 11, "#111827");
        }
        text(svg, LEFT + (width - LEFT - RIGHT) / 2.0, baseline + 40, xLabel, "middle", 11, "#6b7280");
        for (Series s : series) {
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < xs.size() && i < s.values().length; i++) {
                double value = s.values()[i];
                if (Double.isNaN(value)) {
                    continue;
                }
                double x = LEFT + step / 2.0 + i * step;
                double y = baseline - (max > 0 ? Math.min(1, Math.max(0, value / max)) * PLOT_HEIGHT : 0);
                points.append(points.length() == 0 ? "" : " ").append(fmt(x)).append(',').append(fmt(y));
                svg.append("<circle cx=\"").append(fmt(x)).append("\" cy=\"").append(fmt(y))
                        .append("\" r=\"4\" fill=\"").append(s.color()).append("\"><title>")
                        .append(escape(s.name() + " at " + xs.get(i) + " " + xLabel + ": " + format(value, 2)))
                        .append("</title></circle>\n");
                text(svg, x, y - 8, compact(value), "middle", 10, "#374151");
            }
            if (points.indexOf(" ") > 0) {
                svg.append("<polyline fill=\"none\" stroke=\"").append(s.color())
                        .append("\" stroke-width=\"2\" points=\"").append(points).append("\"/>\n");
            }
        }
        return svg.append("</svg>\n").toString();
    }

    private static StringBuilder svgStart(int width, int height, String title) {
        StringBuilder svg = new StringBuilder(4096);
        svg.append("<svg width=\"").append(width).append("\" height=\"")
                .append(height).append("\" viewBox=\"0 0 ").append(width).append(' ').append(height)
                .append("\" role=\"img\" aria-label=\"").append(escape(title)).append("\">\n")
                .append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        text(svg, LEFT, 22, title, "start", 14, "#111827", true);
        return svg;
    }

    private static void axes(StringBuilder svg, int width, double max) {
        int baseline = TOP + PLOT_HEIGHT;
        for (int i = 0; i <= 5; i++) {
            double value = max * i / 5;
            double y = baseline - PLOT_HEIGHT * i / 5.0;
            svg.append("<line x1=\"").append(LEFT).append("\" y1=\"").append(fmt(y)).append("\" x2=\"")
                    .append(width - RIGHT).append("\" y2=\"").append(fmt(y)).append("\" stroke=\"")
                    .append(i == 0 ? "#6b7280" : "#e5e7eb").append("\"/>\n");
            text(svg, LEFT - 6, y + 4, compact(value), "end", 10, "#6b7280");
        }
    }

    private static void legend(StringBuilder svg, int width, List<Series> series) {
        double x = width - RIGHT;
        for (int i = series.size() - 1; i >= 0; i--) {
            Series s = series.get(i);
            double textWidth = 7 * s.name().length();
            x -= textWidth + 22;
            svg.append("<rect x=\"").append(fmt(x)).append("\" y=\"32\" width=\"12\" height=\"12\" fill=\"")
                    .append(s.color()).append("\"/>\n");
            text(svg, x + 16, 42, s.name(), "start", 11, "#111827");
        }
    }

    private static void text(StringBuilder svg, double x, double y, String text, String anchor, int size,
            String color) {
        text(svg, x, y, text, anchor, size, color, false);
    }

    private static void text(StringBuilder svg, double x, double y, String text, String anchor, int size,
            String color, boolean bold) {
        svg.append("<text x=\"").append(fmt(x)).append("\" y=\"").append(fmt(y)).append("\" text-anchor=\"")
                .append(anchor).append("\" font-size=\"").append(size).append("\" fill=\"").append(color)
                .append(bold ? "\" font-weight=\"bold" : "").append("\">").append(escape(text)).append("</text>\n");
    }

    private static double maxOf(List<Series> series) {
        double max = 0;
        for (Series s : series) {
            for (double v : s.values()) {
                if (!Double.isNaN(v) && !Double.isInfinite(v)) {
                    max = Math.max(max, v);
                }
            }
        }
        return max;
    }

    /** The smallest of 1, 2, 2.5, 5 times a power of ten at or above {@code value} (1 for nothing to draw). */
    static double niceMax(double value) {
        if (!(value > 0)) {
            return 1;
        }
        double magnitude = Math.pow(10, Math.floor(Math.log10(value)));
        for (double step : new double[] {1, 2, 2.5, 5, 10}) {
            if (step * magnitude >= value * (1 - 1e-12)) {
                return step * magnitude;
            }
        }
        return 10 * magnitude;
    }

    // --- tables -------------------------------------------------------------------------------------------------

    private static void rawTable(StringBuilder html, JsonNode result) {
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

    // --- helpers ------------------------------------------------------------------------------------------------

    /** The scenario of a result: its {@code scenario} field, else {@code single} for a bare {@code cases} list. */
    static String scenario(JsonNode result) {
        String scenario = result.path("scenario").asText("");
        if (!scenario.isEmpty()) {
            return scenario;
        }
        return result.path("cases").isArray() ? "single" : "result";
    }

    private static List<JsonNode> of(List<? extends JsonNode> results, String scenario) {
        List<JsonNode> matching = new ArrayList<>();
        for (JsonNode r : results) {
            if (r != null && scenario(r).equals(scenario)) {
                matching.add(r);
            }
        }
        return matching;
    }

    private static List<JsonNode> list(JsonNode array) {
        List<JsonNode> items = new ArrayList<>();
        array.forEach(items::add);
        return items;
    }

    private static double number(JsonNode node, String field) {
        JsonNode value = node == null ? null : node.get(field);
        return value != null && value.isNumber() ? value.asDouble() : Double.NaN;
    }

    private static double[] values(List<JsonNode> nodes, String field) {
        double[] values = new double[nodes.size()];
        for (int i = 0; i < values.length; i++) {
            values[i] = number(nodes.get(i), field);
        }
        return values;
    }

    private static void addIfPresent(List<Series> series, Series candidate) {
        if (present(candidate)) {
            series.add(candidate);
        }
    }

    private static boolean present(Series series) {
        for (double v : series.values()) {
            if (!Double.isNaN(v)) {
                return true;
            }
        }
        return false;
    }

    /** Short numbers for labels: 950, 12.3, 1.2k, 3.4M, 5.6G. */
    static String compact(double value) {
        if (Double.isNaN(value)) {
            return "n/a";
        }
        double abs = Math.abs(value);
        if (abs >= 1e9) {
            return format(value / 1e9, 1) + "G";
        }
        if (abs >= 1e6) {
            return format(value / 1e6, 1) + "M";
        }
        if (abs >= 1e4) {
            return format(value / 1e3, 1) + "k";
        }
        return format(value, abs >= 100 || value == Math.rint(value) ? 0 : abs >= 10 ? 1 : 2);
    }

    private static String bytes(double value) {
        if (value >= 1 << 20 && value % (1 << 20) == 0) {
            return format(value / (1 << 20), 0) + " MiB";
        }
        if (value >= 1024 && value % 1024 == 0) {
            return format(value / 1024, 0) + " KiB";
        }
        return format(value, 0) + " B";
    }

    /** At most {@code decimals} decimals, trailing zeros dropped, always with a dot. */
    static String format(double value, int decimals) {
        String text = String.format(Locale.ROOT, "%." + decimals + "f", value);
        if (text.indexOf('.') >= 0) {
            text = text.replaceAll("0+$", "").replaceAll("\\.$", "");
        }
        return text.equals("-0") ? "0" : text;
    }

    private static String fmt(double value) {
        return format(value, 1);
    }

    /** Escapes text for HTML and XML content and attribute values. */
    static String escape(String text) {
        StringBuilder escaped = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> escaped.append("&amp;");
                case '<' -> escaped.append("&lt;");
                case '>' -> escaped.append("&gt;");
                case '"' -> escaped.append("&quot;");
                case '\'' -> escaped.append("&#39;");
                default -> {
                    if (c < 0x20 && c != '\n' && c != '\t' && c != '\r') {
                        escaped.append(' ');
                    } else {
                        escaped.append(c);
                    }
                }
            }
        }
        return escaped.toString();
    }
}
