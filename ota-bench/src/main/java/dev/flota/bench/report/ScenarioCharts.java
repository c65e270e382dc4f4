package dev.flota.bench.report;

import static dev.flota.bench.report.ReportText.bytes;
import static dev.flota.bench.report.ReportText.compact;
import static dev.flota.bench.report.ReportText.format;
import static dev.flota.bench.report.Results.list;
import static dev.flota.bench.report.Results.number;
import static dev.flota.bench.report.Results.values;
import static dev.flota.bench.report.SvgCharts.barChart;
import static dev.flota.bench.report.SvgCharts.lineChart;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.report.SvgCharts.Series;
import java.util.ArrayList;
import java.util.List;

/**
 * What the report draws for each scenario: which numbers of a result become which chart, Flota in blue against its
 * references (curl, the JDK HttpClient, nginx).
 */
final class ScenarioCharts {

    private static final String FLOTA = "#2563eb";
    private static final String REFERENCE = "#9ca3af";
    private static final String SECOND_REFERENCE = "#f59e0b";
    private static final String P99 = "#dc2626";

    private ScenarioCharts() {
    }

    /** {@code single}: throughput per case, Flota against curl and the JDK HttpClient, the ratio to curl above. */
    static void single(StringBuilder html, JsonNode result) {
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

    /** {@code server}: requests/s and MB/s, Flota against nginx, one group per result. */
    static void server(StringBuilder html, List<JsonNode> results) {
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

    /** {@code fleet}: throughput and p50/p99 update time against the device count, one point per result. */
    static void fleet(StringBuilder html, List<JsonNode> results) {
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

    /** {@code faults}: completion rate and wasted bytes per case. */
    static void faults(StringBuilder html, JsonNode result) {
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
}
