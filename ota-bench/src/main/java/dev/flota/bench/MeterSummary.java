package dev.flota.bench;

import io.micrometer.core.instrument.MeterRegistry;
import java.io.PrintWriter;
import java.util.Comparator;
import java.util.Locale;

/**
 * Prints every meter of a registry, one line each: name, tags, then each statistic. What {@code update --metrics} and
 * the demo end with.
 */
public final class MeterSummary {

    private MeterSummary() {
    }

    public static void print(PrintWriter out, MeterRegistry registry) {
        registry.getMeters().stream().sorted(Comparator.comparing(m -> m.getId().toString())).forEach(meter -> {
            StringBuilder line = new StringBuilder("  ").append(meter.getId().getName());
            meter.getId().getTags().forEach(t -> line.append(' ').append(t.getKey()).append('=').append(t.getValue()));
            for (var m : meter.measure()) {
                line.append(' ').append(m.getStatistic().name().toLowerCase(Locale.ROOT)).append('=')
                        .append(format(m.getValue()));
            }
            out.println(line);
        });
    }

    private static String format(double value) {
        return value == Math.rint(value) ? Long.toString((long) value) : String.format(Locale.ROOT, "%.3f", value);
    }
}
