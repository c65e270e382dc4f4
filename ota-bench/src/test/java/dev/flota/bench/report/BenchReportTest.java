package dev.flota.bench.report;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.Json;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;

/** The HTML report: one well-formed, self-contained file with an SVG per chart and every text escaped. */
class BenchReportTest {

    @TempDir
    Path dir;

    @Test
    void writesOneSelfContainedWellFormedFileWithAChartPerFigure() throws Exception {
        ObjectNode single = Json.object().put("scenario", "single").put("date", "2026-01-01");
        single.putArray("cases")
                .add(Json.object().put("name", "https-plain-whole").put("mbPerSec", 812.5).put("curlMbPerSec", 1000.0)
                        .put("ratioToCurl", 0.81).put("jdkHttpClientMbPerSec", 400.0))
                .add(Json.object().put("name", "<evil> & \"quoted\"").put("mbPerSec", 12.25)
                        .put("curlMbPerSec", 10.0).put("ratioToCurl", 1.23));
        ObjectNode server = Json.object().put("scenario", "server").put("clients", 1000).put("requests", 20000)
                .put("rangeSize", 65536);
        server.putObject("flota").put("requestsPerSec", 4321.5).put("mbPerSec", 283.2);
        server.putObject("nginx").put("requestsPerSec", 5000.0).put("mbPerSec", 327.7);
        server.put("ratioToNginx", 0.86).put("nginxAvailable", true);
        ObjectNode serverWithoutNginx = Json.object().put("scenario", "server").put("clients", 20)
                .put("requests", 100).put("rangeSize", 65536);
        serverWithoutNginx.putObject("flota").put("requestsPerSec", 777.0).put("mbPerSec", 50.9);
        serverWithoutNginx.putNull("nginx");
        serverWithoutNginx.putNull("ratioToNginx");
        serverWithoutNginx.put("nginxAvailable", false);
        ObjectNode faults = Json.object().put("scenario", "faults");
        faults.putArray("cases")
                .add(Json.object().put("name", "reset mid-body").put("completed", 99).put("completionRate", 0.99)
                        .put("wastedBytes", 123456))
                .add(Json.object().put("name", "stall").put("completed", 100).put("completionRate", 1.0)
                        .put("wastedBytes", 0));

        Path out = dir.resolve("report.html");
        BenchReport.writeHtml(out, "Flota <bench> & co", List.of(single, server, serverWithoutNginx,
                fleet(100, 95.5, 120, 250), fleet(10000, 410.25, 900, 2100), fleet(1000, 300.0, 400, 800), faults));
        String html = Files.readString(out);

        Document document = parse(html);
        assertThat(document.getDocumentElement().getTagName()).isEqualTo("html");
        assertThat(html).doesNotContain("<script").doesNotContain("<link").doesNotContain("src=")
                .doesNotContain("href=").doesNotContain("http://").doesNotContain("https://")
                .doesNotContain("@import").doesNotContain("url(");
        // single 1, server 2 (requests/s, MB/s), fleet 2 (throughput, latency), faults 2 (completion, wasted)
        assertThat(count(html, "<svg")).isEqualTo(7);
        assertThat(document.getElementsByTagName("svg").getLength()).isEqualTo(7);
        assertThat(html).contains("<title>Flota &lt;bench&gt; &amp; co</title>")
                .contains("&lt;evil&gt; &amp; &quot;quoted&quot;").doesNotContain("<evil>")
                .contains("0.81x curl").contains("0.86x nginx").contains("nginx not installed")
                .contains("JDK HttpClient").contains("99 %");
        // the raw numbers, in table cells
        assertThat(html).contains(">4321.5<").contains(">410.25<").contains(">123456<").contains(">12.25<")
                .contains(">2100<");
        // fleet points in device order, joined by a line
        assertThat(html).contains("<polyline");
        Matcher xLabels = Pattern.compile("font-size=\"11\" fill=\"#111827\">(\\d+)</text>").matcher(html);
        StringBuilder devices = new StringBuilder();
        while (xLabels.find()) {
            devices.append(xLabels.group(1)).append(' ');
        }
        assertThat(devices.toString()).isEqualTo("100 1000 10000 100 1000 10000 ");
        assertThat(html).containsPattern("Written \\d{4}-\\d{2}-\\d{2}T");
    }

    @Test
    void oneFleetPointHasNoLineAndAnEmptyListStillMakesAPage() throws Exception {
        String one = BenchReport.html("one", List.of(fleet(50, 10, 20, 30)));
        parse(one);
        assertThat(count(one, "<svg")).isEqualTo(2);
        assertThat(one).doesNotContain("<polyline").contains("<circle");
        String empty = BenchReport.html("empty", List.of());
        parse(empty);
        assertThat(empty).doesNotContain("<svg").contains("0 results");
    }

    private static ObjectNode fleet(int devices, double mbPerSec, long p50, long p99) {
        ObjectNode node = Json.object().put("scenario", "fleet").put("devices", devices).put("succeeded", devices)
                .put("failed", 0).put("aggregateMbPerSec", mbPerSec).put("p50Ms", p50).put("p99Ms", p99);
        node.putArray("latenciesMs").add(p50).add(p99);
        return node;
    }

    private static Document parse(String html) throws Exception {
        DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
        factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
        factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
        factory.setExpandEntityReferences(false);
        return factory.newDocumentBuilder().parse(new ByteArrayInputStream(html.getBytes(StandardCharsets.UTF_8)));
    }

    private static int count(String text, String part) {
        Matcher m = Pattern.compile(Pattern.quote(part)).matcher(text);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
