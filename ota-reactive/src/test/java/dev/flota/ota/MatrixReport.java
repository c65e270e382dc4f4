package dev.flota.ota;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/** What {@link ResumeMatrixTest} covered, printed: scenarios, cuts, bricks, and the bytes wasted by the server's count. */
final class MatrixReport {

    private MatrixReport() {
    }

    static void print(List<MatrixScenario.Outcome> outcomes, Duration took) {
        System.out.printf("resume matrix: %d scenarios, %d runs, %d power cuts, %d failed runs resumed, 0 bricks,"
                + " in %.1f s%n", outcomes.size(), outcomes.stream().mapToInt(MatrixScenario.Outcome::runs).sum(),
                outcomes.stream().mapToInt(MatrixScenario.Outcome::cuts).sum(),
                outcomes.stream().mapToInt(MatrixScenario.Outcome::failures).sum(), took.toMillis() / 1000.0);
        line("all", outcomes);
        Map<String, List<MatrixScenario.Outcome>> groups = new TreeMap<>(outcomes.stream().collect(Collectors.groupingBy(
                o -> String.format("%-11s %-15s %-7s", o.scenario().fault(), o.scenario().images().name(),
                        o.scenario().partial() ? "partial" : "whole"))));
        groups.forEach(MatrixReport::line);
    }

    private static void line(String name, List<MatrixScenario.Outcome> group) {
        long[] server = group.stream().mapToLong(MatrixScenario.Outcome::serverWasted).sorted().toArray();
        long[] engine = group.stream().mapToLong(MatrixScenario.Outcome::engineWasted).filter(n -> n >= 0).sorted()
                .toArray();
        if (engine.length == 0) {
            engine = new long[] {0};
        }
        System.out.printf("  %-35s %4d scenarios %4d cuts  wasted (server) median %7d worst %7d"
                + "  (engine) median %7d worst %7d  %6.1f s%n", name, group.size(),
                group.stream().mapToInt(MatrixScenario.Outcome::cuts).sum(), server[server.length / 2],
                server[server.length - 1], engine[engine.length / 2], engine[engine.length - 1],
                group.stream().mapToLong(o -> o.took().toMillis()).sum() / 1000.0);
    }
}
