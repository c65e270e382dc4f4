package dev.flota.ota.http;

/**
 * A {@code Content-Range: bytes first-last/total} header (RFC 9110 section 14.4) as a 206 states it, and whether it is
 * exactly the range that was asked for: a server that answers another range would otherwise have its bytes spliced in
 * at the wrong offset.
 *
 * @param total the image size, -1 when the server wrote {@code *}
 */
record ContentRange(long first, long last, long total) {

    /** The header's value parsed; null when malformed. */
    static ContentRange parse(String value) {
        String v = value == null ? "" : value.trim();
        int dash = v.indexOf('-');
        int slash = v.indexOf('/');
        if (!v.startsWith("bytes ") || dash < 0 || slash < dash) {
            return null;
        }
        try {
            String total = v.substring(slash + 1).trim();
            ContentRange range = new ContentRange(Long.parseLong(v.substring(6, dash).trim()),
                    Long.parseLong(v.substring(dash + 1, slash).trim()),
                    total.equals("*") ? -1 : Long.parseLong(total));
            return range.first < 0 || range.last < range.first || range.total >= 0 && range.last >= range.total ? null
                    : range;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * What is wrong with this range as the answer to {@code bytes=start-end} ({@code end} -1: to the end) of an image
     * of {@code size} bytes (-1: not known yet); null when it is exactly that range.
     */
    String mismatch(long start, long end, long size) {
        if (first != start) {
            return "starts at " + first + ", not " + start;
        }
        long known = size >= 0 ? size : total;
        long wantedLast = end >= 0 ? end : known >= 0 ? known - 1 : last;
        if (last != wantedLast) {
            return "ends at " + last + ", not " + wantedLast;
        }
        if (size >= 0 && total != size) {
            return total < 0 ? "does not say the image size (" + size + " bytes)"
                    : "says the image has " + total + " bytes, not " + size;
        }
        return null;
    }
}
