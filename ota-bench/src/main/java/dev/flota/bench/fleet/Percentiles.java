package dev.flota.bench.fleet;

import java.util.List;

/** The percentiles of update times that the fleet bench, its merge and the demo report. */
public final class Percentiles {

    private Percentiles() {
    }

    /**
     * Nearest rank: the smallest value with at least {@code percentile}% of the values at or below it; 0 for no
     * values. {@code sorted} is in ascending order.
     */
    public static long nearestRank(List<Long> sorted, int percentile) {
        if (sorted.isEmpty()) {
            return 0;
        }
        int index = (int) Math.ceil(percentile / 100.0 * sorted.size()) - 1;
        return sorted.get(Math.max(0, Math.min(sorted.size() - 1, index)));
    }
}
