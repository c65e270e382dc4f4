package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.Json;
import dev.flota.bench.report.BenchReport;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --json FILE} and {@code --html FILE} options every bench scenario shares (a picocli mixin). */
final class BenchOutput {

    @Option(names = "--json", paramLabel = "FILE", description = "write the result as JSON")
    Path json;

    @Option(names = "--html", paramLabel = "FILE", description = "write a self-contained HTML report")
    Path html;

    /** Writes {@code result} to whichever of the two files was asked for. */
    void write(String title, ObjectNode result) {
        if (json != null) {
            Json.write(json, result);
        }
        if (html != null) {
            BenchReport.writeHtml(html, title, List.of(result));
        }
    }
}
