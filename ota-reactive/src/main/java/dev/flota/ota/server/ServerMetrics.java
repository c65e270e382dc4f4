package dev.flota.ota.server;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The image server's counters, rendered in the Prometheus text exposition format (version 0.0.4). */
final class ServerMetrics {

    private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();
    private final Map<String, LongAdder> faults = new ConcurrentHashMap<>();
    private final LongAdder bodyBytes = new LongAdder();
    private final LongAdder connections = new LongAdder();
    /** The series the latest request counted in: a server answers mostly alike, so the label text is rarely built. */
    private volatile Series lastRequest;

    private record Series(String method, int status, LongAdder count) {
    }

    void request(String method, int status, long bytes) {
        Series last = lastRequest;
        if (last == null || last.status() != status || !last.method().equals(method)) {
            last = new Series(method, status, requests.computeIfAbsent(
                    "method=\"" + method + "\",status=\"" + status + "\"", k -> new LongAdder()));
            lastRequest = last;
        }
        last.count().increment();
        bodyBytes.add(bytes);
    }

    void fault(String name) {
        faults.computeIfAbsent("fault=\"" + name + "\"", k -> new LongAdder()).increment();
    }

    void connection() {
        connections.increment();
    }

    String prometheusText() {
        StringBuilder text = new StringBuilder();
        family(text, "flota_server_requests_total", "HTTP requests answered, by method and status.", requests);
        single(text, "flota_server_response_body_bytes_total", "Response body bytes sent.", bodyBytes.sum());
        single(text, "flota_server_connections_total", "Connections accepted.", connections.sum());
        family(text, "flota_server_faults_injected_total", "Faults injected, by kind.", faults);
        return text.toString();
    }

    private static void family(StringBuilder text, String name, String help, Map<String, LongAdder> series) {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
        text.append("# TYPE ").append(name).append(" counter\n");
        new TreeMap<>(series).forEach((labels, value) ->
                text.append(name).append('{').append(labels).append("} ").append(value.sum()).append('\n'));
    }

    private static void single(StringBuilder text, String name, String help, long value) {
        text.append("# HELP ").append(name).append(' ').append(help).append('\n');
        text.append("# TYPE ").append(name).append(" counter\n");
        text.append(name).append(' ').append(value).append('\n');
    }
}
