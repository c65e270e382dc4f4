package dev.flota.bench.report;

import static dev.flota.bench.report.ReportText.compact;
import static dev.flota.bench.report.ReportText.escape;
import static dev.flota.bench.report.ReportText.fmt;
import static dev.flota.bench.report.ReportText.format;

import java.util.List;

/**
 * The report's charts as inline SVG drawn here (no script, no external resource): grouped bars and points joined by
 * lines, with axes, a legend and every label escaped.
 */
final class SvgCharts {

    private static final int LEFT = 72;
    private static final int RIGHT = 24;
    private static final int TOP = 56;
    private static final int PLOT_HEIGHT = 240;
    private static final int BOTTOM = 56;

    private SvgCharts() {
    }

    /** A data series of a chart: a name, a colour and one value per category or point ({@code NaN}: none). */
    record Series(String name, String color, double[] values) {
    }

    /** Grouped bars: one group per category, one bar per series, a label above each group. */
    static String barChart(String title, List<String> categories, List<Series> series,
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
    static String lineChart(String title, String xLabel, List<String> xs, List<Series> series) {
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
}
