package dev.flota.flash.testing;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * What one esptool-js harness run reported: the operations that completed, each with its elapsed time and values,
 * and the failure that stopped it, if any. {@code log} is esptool-js's own output (stderr), for failure messages.
 */
public record EsptoolJsResult(int exitCode, List<Step> steps, Failure failure, List<String> warnings, String log) {

    public EsptoolJsResult {
        steps = List.copyOf(steps);
        warnings = List.copyOf(warnings);
        Objects.requireNonNull(log, "log");
    }

    public boolean ok() {
        return exitCode == 0 && failure == null;
    }

    /** This result, when every operation succeeded; else an {@link AssertionError} with the failure and the log. */
    public EsptoolJsResult orThrow() {
        if (!ok()) {
            throw new AssertionError("esptool-js failed (exit " + exitCode + "): " + failure + "\n--- esptool-js log:\n"
                    + log);
        }
        return this;
    }

    /** The first completed step of this operation. */
    public Step step(String op) {
        return steps.stream().filter(s -> s.op().equals(op)).findFirst()
                .orElseThrow(() -> new NoSuchElementException("no completed " + op + " in " + steps));
    }

    /** All completed steps of this operation, in order. */
    public List<Step> steps(String op) {
        return steps.stream().filter(s -> s.op().equals(op)).toList();
    }

    /** One completed operation: its name, elapsed milliseconds and the values the harness reported. */
    public record Step(String op, double millis, Map<String, Object> values) {

        public Step {
            values = Map.copyOf(values);
        }

        /** A string value, or {@code null} when the harness reported none. */
        public String text(String key) {
            Object v = values.get(key);
            return v == null ? null : v.toString();
        }

        public long number(String key) {
            Object v = values.get(key);
            if (!(v instanceof Number n)) {
                throw new NoSuchElementException(op + " has no number " + key + ": " + values);
            }
            return n.longValue();
        }

        public boolean flag(String key) {
            return Boolean.TRUE.equals(values.get(key));
        }

        @SuppressWarnings("unchecked")
        public List<Object> list(String key) {
            Object v = values.get(key);
            return v instanceof List<?> l ? (List<Object>) l : List.of();
        }
    }

    /** The operation that failed (index -1: before any, e.g. a timeout or bad arguments) and esptool-js's error. */
    public record Failure(String op, int index, String name, String message) {
    }
}
