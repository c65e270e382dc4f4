package dev.flota.ota.server;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Instant;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import reactor.netty.http.server.HttpServerRequest;

/**
 * A GET or HEAD for a path inside an {@link ImageServer}'s directory, as its file handling sees it: the function that
 * {@link ImageServer#handler} decorates maps it to a {@link FileReply}. The server answers {@code /metrics}, other
 * methods and paths outside its directory before this handling, and sends, logs and counts whatever reply it returns.
 *
 * <p>Immutable: the {@code with} methods return copies, so a decorator can hand the handling it wraps a changed request
 * (without some headers, serving other content) while the access log and {@link RequestLog} keep what arrived.
 */
public final class FileRequest {

    private static final Pattern FAULT_KIND = Pattern.compile("[a-z0-9_]+");

    private final HttpServerRequest http;
    private final String path;
    private final HttpHeaders headers;
    private final Content content;
    private final ServerMetrics metrics;

    FileRequest(HttpServerRequest http, String path, HttpHeaders headers, Content content, ServerMetrics metrics) {
        this.http = http;
        this.path = path;
        this.headers = headers;
        this.content = content;
        this.metrics = metrics;
    }

    /**
     * The Reactor Netty request as it arrived: its URI with the query, addresses, scheme and connection. Its headers
     * are the received ones; the handling honours {@link #header(CharSequence)}.
     */
    public HttpServerRequest http() {
        return http;
    }

    /** {@code GET} or {@code HEAD}. */
    public String method() {
        return http.method().name();
    }

    /** The decoded path, without the query, e.g. {@code /app.bin}. */
    public String path() {
        return path;
    }

    /** The value of a request header as the handling should honour it, or null. */
    public String header(CharSequence name) {
        return headers.get(name);
    }

    /** This request without these headers, e.g. {@code Range} so that the file is served whole. */
    public FileRequest withoutHeaders(CharSequence... names) {
        HttpHeaders copy = headers.copy();
        for (CharSequence name : names) {
            copy.remove(name);
        }
        return new FileRequest(http, path, copy, content, metrics);
    }

    /**
     * When what the path serves was last modified, to the second as {@code Last-Modified} says; empty when the path
     * names no regular file (the server's handling answers 404).
     */
    public Optional<Instant> lastModified() {
        return content == null ? Optional.empty() : Optional.of(content.lastModified());
    }

    /**
     * This request serving {@code bytes} (copied) instead of the file, with this strong ETag (quoted, e.g.
     * {@code "\"v2\""}) and Last-Modified: the server's handling applies conditional and range requests to them.
     */
    public FileRequest withContent(byte[] bytes, String etag, Instant lastModified) {
        Objects.requireNonNull(etag, "etag");
        Objects.requireNonNull(lastModified, "lastModified");
        return new FileRequest(http, path, headers, Content.of(bytes.clone(), etag, lastModified), metrics);
    }

    /**
     * Counts a fault a decorator injected into this request's answer, in the server's
     * {@code flota_server_faults_injected_total{fault="KIND"}} at {@code /metrics}.
     *
     * @param kind lower case letters, digits and underscores, e.g. {@code close}
     */
    public void countFault(String kind) {
        if (kind == null || !FAULT_KIND.matcher(kind).matches()) {
            throw new IllegalArgumentException("fault kind " + kind);
        }
        metrics.fault(kind);
    }

    /** What the handling serves: the file's or a decorator's content; null when there is none. */
    Content content() {
        return content;
    }

    @Override
    public String toString() {
        return "FileRequest[" + method() + " " + path + "]";
    }
}
