package dev.flota.ota.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Mono;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/**
 * Answers one request of an {@link ImageServer}: method and path checks and {@code /metrics} here, files through the
 * (possibly decorated) file handling, whose default is {@link #serve(FileRequest)}; then sends the reply and records
 * it.
 */
final class ImageHandler {

    /** How many paths' resolutions and validators are remembered; a scan of many paths just resolves them again. */
    private static final int REMEMBERED = 1024;
    private static final DateTimeFormatter LOG_DATE =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    private final Path root;
    private final Function<FileRequest, FileReply> files;
    private final boolean secure;
    private final FileCache cache = new FileCache();
    private final Map<String, Path> resolved = new ConcurrentHashMap<>();
    private final Map<Path, Content> contents = new ConcurrentHashMap<>();
    private final RequestLog log;
    private final ServerMetrics metrics;
    private final Consumer<String> accessLog;

    ImageHandler(Path root, Function<FileRequest, FileReply> files, boolean secure, RequestLog log,
            ServerMetrics metrics, Consumer<String> accessLog) {
        this.root = root;
        this.files = files;
        this.secure = secure;
        this.log = log;
        this.metrics = metrics;
        this.accessLog = accessLog;
    }

    Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String method = req.method().name();
        String path = path(req.uri());
        if (path == null) {
            return send(req, res, "?", FileReply.text(400, "bad request path\n"));
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            return send(req, res, path, FileReply.text(405, "method not allowed\n",
                    new DefaultHttpHeaders().set(HttpHeaderNames.ALLOW, "GET, HEAD")));
        }
        if (path.equals("/metrics")) {
            return send(req, res, path, FileReply.text(200, metrics.prometheusText(), new DefaultHttpHeaders()
                    .set(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")));
        }
        Path file = resolve(path);
        if (file == null) {
            return send(req, res, path, FileReply.text(400, "bad request path\n"));
        }
        FileReply reply = files.apply(new FileRequest(req, path, req.requestHeaders(), content(file), metrics));
        if (reply == null) {
            throw new IllegalStateException("the file handling answered null to " + method + " " + path);
        }
        return send(req, res, path, reply);
    }

    /**
     * The server's own file handling: validators, conditional requests (304), a single byte range (206, 416), and the
     * content as the body of a GET.
     */
    static FileReply serve(FileRequest request) {
        Content content = request.content();
        if (content == null) {
            return FileReply.text(404, "not found\n");
        }
        HttpHeaders headers = new DefaultHttpHeaders()
                .set(HttpHeaderNames.ETAG, content.etag())
                .set(HttpHeaderNames.LAST_MODIFIED, content.httpDate());
        if (notModified(request.header(HttpHeaderNames.IF_NONE_MATCH),
                request.header(HttpHeaderNames.IF_MODIFIED_SINCE), content)) {
            return FileReply.of(304, headers, new FileReply.None());
        }
        long length = content.length();
        ByteRange range = new ByteRange(0, length);
        int status = 200;
        headers.set(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
        String rangeHeader = request.header(HttpHeaderNames.RANGE);
        String ifRange = request.header(HttpHeaderNames.IF_RANGE);
        if (rangeHeader != null && (ifRange == null || ifRangeMatches(ifRange, content))) {
            ByteRange.Parsed parsed = ByteRange.parse(rangeHeader, length);
            if (parsed instanceof ByteRange.Unsatisfiable) {
                headers.set(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
                return FileReply.text(416, "range not satisfiable\n", headers);
            }
            if (parsed instanceof ByteRange.Satisfiable satisfiable) {
                range = satisfiable.range();
                status = 206;
                headers.set(HttpHeaderNames.CONTENT_RANGE, range.contentRange(length));
            }
        }
        headers.set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM)
                .set(HttpHeaderNames.CONTENT_LENGTH, Long.toString(range.count()));
        FileReply.Body body = request.method().equals("HEAD") ? new FileReply.None()
                : new FileReply.Range(content, range.start(), range.count());
        return FileReply.of(status, headers, body);
    }

    private Publisher<Void> send(HttpServerRequest req, HttpServerResponse res, String path, FileReply reply) {
        res.status(reply.status());
        res.responseHeaders().add(reply.headers());
        if (!reply.isKeepAlive()) {
            res.keepAlive(false);
        }
        boolean head = req.method().name().equals("HEAD");
        long bodyBytes = head ? 0 : reply.bodyBytes();
        record(req, path, reply.status(), bodyBytes);
        Publisher<Void> body = head ? null : body(res, reply.content());
        Publisher<Void> sent = body == null ? res.send() : body;
        return reply.after() == null ? sent : Mono.from(sent).then(reply.after());
    }

    /** How the body goes out; null when there is none. */
    private Publisher<Void> body(HttpServerResponse res, FileReply.Body body) {
        if (body instanceof FileReply.Bytes bytes) {
            return res.send(Mono.just(Unpooled.wrappedBuffer(bytes.bytes()))).then();
        }
        if (body instanceof FileReply.Stream stream) {
            return res.send(stream.buffers()).then();
        }
        if (body instanceof FileReply.Range range) {
            Content content = range.content();
            if (content.file() == null) {
                return res.send(FileReply.read(range).flatMapMany(FileReply::chunks)).then();
            }
            if (range.count() == 0) {
                return null;
            }
            if (!secure) {
                return res.sendFile(content.file(), range.start(), range.count());
            }
            ByteBuf cached = cache.cached(content.file(), content.length(), content.lastModifiedMillis(),
                    range.start(), range.count());
            if (cached != null) {
                return res.send(Mono.just(cached));
            }
            return cache.range(content.file(), content.length(), content.lastModifiedMillis(), range.start(),
                            range.count())
                    .flatMap(view -> res.send(Mono.just(view)).then())
                    .switchIfEmpty(Mono.defer(() -> res.sendFile(content.file(), range.start(), range.count())
                            .then()));
        }
        return null;
    }

    private void record(HttpServerRequest req, String path, int status, long bodyBytes) {
        metrics.request(req.method().name(), status, bodyBytes);
        if (log == null && accessLog == null) {
            return;
        }
        String[] connection = {"?"};
        req.withConnection(c -> connection[0] = c.channel().id().asShortText());
        String range = req.requestHeaders().get(HttpHeaderNames.RANGE);
        if (log != null) {
            log.add(new ServedRequest(req.method().name(), path, range, status, bodyBytes, connection[0]));
        }
        if (accessLog != null) {
            InetSocketAddress remote = req.remoteAddress();
            accessLog.accept(String.format(Locale.ROOT, "%s - - [%s] \"%s %s %s\" %d %d \"%s\" %s",
                    remote == null ? "-" : remote.getHostString(), LOG_DATE.format(Instant.now()),
                    req.method().name(), req.uri(), req.version().text(), status, bodyBytes,
                    range == null ? "-" : range, connection[0]));
        }
    }

    /** The decoded path of a request URI, without the query; null when it cannot be decoded. */
    private static String path(String uri) {
        boolean plain = true;
        for (int i = 0; i < uri.length() && plain; i++) {
            char c = uri.charAt(i);
            plain = c != '%' && c != '?' && c != '#';
        }
        if (plain) {
            return uri;
        }
        try {
            return new QueryStringDecoder(uri).path();
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    /** The file a path names inside the root, or null when it would leave it. */
    private Path resolve(String path) {
        Path known = resolved.get(path);
        if (known != null) {
            return known;
        }
        Path file = resolveUncached(path);
        if (file != null && resolved.size() < REMEMBERED) {
            resolved.put(path, file);
        }
        return file;
    }

    /** What the file serves now, reusing the validators formatted for it when it has not changed. */
    private Content content(Path file) {
        Content known = contents.get(file);
        Content now = Content.of(file, known);
        if (now == null) {
            if (known != null) {
                contents.remove(file, known);
            }
        } else if (now != known && (known != null || contents.size() < REMEMBERED)) {
            contents.put(file, now);
        }
        return now;
    }

    private Path resolveUncached(String path) {
        if (!path.startsWith("/") || path.indexOf('\0') >= 0 || path.indexOf('\\') >= 0) {
            return null;
        }
        for (String segment : path.split("/")) {
            if (segment.equals("..") || segment.equals(".")) {
                return null;
            }
        }
        Path file = root.resolve(path.substring(1)).normalize();
        return file.startsWith(root) ? file : null;
    }

    private static boolean notModified(String ifNoneMatch, String ifModifiedSince, Content content) {
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || t.equals(content.etag()) || t.equals("W/" + content.etag())) {
                    return true;
                }
            }
            return false;
        }
        Instant since = parseDate(ifModifiedSince);
        return since != null && !content.lastModified().isAfter(since);
    }

    private static boolean ifRangeMatches(String ifRange, Content content) {
        String value = ifRange.trim();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            return value.equals(content.etag());
        }
        Instant date = parseDate(value);
        return date != null && date.equals(content.lastModified());
    }

    private static Instant parseDate(String value) {
        if (value == null) {
            return null;
        }
        try {
            return ZonedDateTime.parse(value.trim(), DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
