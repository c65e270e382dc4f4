package dev.flota.bench.report;

import java.util.Locale;

/** The text of the report: numbers as labels and cells show them, and escaping for HTML and XML. */
final class ReportText {

    private ReportText() {
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

    /** A byte count, as MiB or KiB when it is a whole number of them. */
    static String bytes(double value) {
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

    /** A coordinate in an SVG attribute: at most one decimal. */
    static String fmt(double value) {
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
