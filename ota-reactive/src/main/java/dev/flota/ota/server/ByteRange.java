package dev.flota.ota.server;

/**
 * A single {@code Range: bytes=...} request resolved against a representation's length (RFC 9110 section 14).
 * Multiple ranges and malformed headers are ignored (the whole representation is served), as the RFC allows.
 */
record ByteRange(long start, long count) {

    /** The outcome of parsing: a range, the whole representation, or unsatisfiable (416). */
    sealed interface Parsed permits Satisfiable, Ignored, Unsatisfiable {
    }

    record Satisfiable(ByteRange range) implements Parsed {
    }

    record Ignored() implements Parsed {
    }

    record Unsatisfiable() implements Parsed {
    }

    long end() {
        return start + count - 1;
    }

    String contentRange(long length) {
        return "bytes " + start + "-" + end() + "/" + length;
    }

    static Parsed parse(String header, long length) {
        String value = header.trim();
        if (!value.regionMatches(true, 0, "bytes=", 0, 6) || value.indexOf(',') >= 0) {
            return new Ignored();
        }
        String spec = value.substring(6).trim();
        int dash = spec.indexOf('-');
        if (dash < 0) {
            return new Ignored();
        }
        try {
            String first = spec.substring(0, dash).trim();
            String last = spec.substring(dash + 1).trim();
            if (first.isEmpty()) {
                long suffix = Long.parseLong(last);
                if (suffix <= 0 || length == 0) {
                    return suffix < 0 ? new Ignored() : new Unsatisfiable();
                }
                long count = Math.min(suffix, length);
                return new Satisfiable(new ByteRange(length - count, count));
            }
            long start = Long.parseLong(first);
            long end = last.isEmpty() ? Long.MAX_VALUE : Long.parseLong(last);
            if (start < 0 || end < start) {
                return new Ignored();
            }
            if (start >= length) {
                return new Unsatisfiable();
            }
            return new Satisfiable(new ByteRange(start, Math.min(end, length - 1) - start + 1));
        } catch (NumberFormatException e) {
            return new Ignored();
        }
    }
}
