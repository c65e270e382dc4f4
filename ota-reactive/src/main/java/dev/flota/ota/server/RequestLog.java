package dev.flota.ota.server;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Predicate;

/** The requests a running {@link ImageServer} has answered, in order; thread-safe, for assertions in tests. */
public final class RequestLog {

    private final ConcurrentLinkedQueue<ServedRequest> requests = new ConcurrentLinkedQueue<>();

    RequestLog() {
    }

    void add(ServedRequest request) {
        requests.add(request);
    }

    /** A snapshot of every request so far. */
    public List<ServedRequest> all() {
        return List.copyOf(requests);
    }

    public List<ServedRequest> matching(Predicate<ServedRequest> filter) {
        return requests.stream().filter(filter).toList();
    }

    public int count() {
        return requests.size();
    }

    /** Requests for {@code path} (e.g. {@code "/app.bin"}). */
    public int count(String path) {
        return (int) requests.stream().filter(r -> r.path().equals(path)).count();
    }

    /** How many distinct connections carried the requests so far. */
    public int connections() {
        return (int) requests.stream().map(ServedRequest::connection).distinct().count();
    }

    /** The sum of the body bytes sent. */
    public long bodyBytes() {
        return requests.stream().mapToLong(ServedRequest::bodyBytes).sum();
    }

    public void clear() {
        requests.clear();
    }

    @Override
    public String toString() {
        return requests.toString();
    }
}
