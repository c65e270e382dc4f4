package dev.flota.bench.report;

import static dev.flota.bench.report.ReportText.escape;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.CliFiles;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

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

        List<JsonNode> single = Results.of(results, "single");
        List<JsonNode> server = Results.of(results, "server");
        List<JsonNode> fleet = Results.of(results, "fleet");
        List<JsonNode> faults = Results.of(results, "faults");
        if (!single.isEmpty()) {
            html.append("<h2>Single device: Flota against curl</h2>\n");
            for (JsonNode result : single) {
                ScenarioCharts.single(html, result);
            }
        }
        if (!server.isEmpty()) {
            html.append("<h2>Image server: Flota against nginx</h2>\n");
            ScenarioCharts.server(html, server);
        }
        if (!fleet.isEmpty()) {
            html.append("<h2>Fleet: throughput and update time against device count</h2>\n");
            ScenarioCharts.fleet(html, fleet);
        }
        if (!faults.isEmpty()) {
            html.append("<h2>Faults: completion and wasted bytes</h2>\n");
            for (JsonNode result : faults) {
                ScenarioCharts.faults(html, result);
            }
        }

        html.append("<h2>Raw numbers</h2>\n");
        int index = 1;
        for (JsonNode result : results) {
            html.append("<h3>").append(index++).append(". ").append(escape(Results.scenario(result))).append("</h3>\n");
            RawTables.rawTable(html, result);
        }
        html.append("</body>\n</html>\n");
        return html.toString();
    }
}
