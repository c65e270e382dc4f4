package dev.flota.ota.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;
import reactor.netty.http.server.HttpServerRequest;
import reactor.netty.http.server.HttpServerResponse;

/** Answers one request of an {@link ImageServer}: path checks, faults, conditional and range requests, the body. */
final class ImageHandler {

    static final String HOP = "flota-hop";
    static final String CLOSE_DELIMITED = "x-flota-close-delimited";
    private static final int CHUNK = 16 * 1024;
    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);
    private static final DateTimeFormatter LOG_DATE =
            DateTimeFormatter.ofPattern("dd/MMM/yyyy:HH:mm:ss Z", Locale.US).withZone(ZoneOffset.UTC);

    /** What is served at a path: a file (sent zero-copy) or bytes in memory (a replaced image). */
    private record Resource(long length, String etag, Instant lastModified, Path file, byte[] bytes,
            long lastModifiedMillis) {
    }

    private final Path root;
    private final List<ServerFaults> faults;
    private final boolean secure;
    private final FileCache cache = new FileCache();
    private final RequestLog log;
    private final ServerMetrics metrics;
    private final Consumer<String> accessLog;
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final Set<String> closedOnce = ConcurrentHashMap.newKeySet();

    ImageHandler(Path root, List<ServerFaults> faults, boolean secure, RequestLog log, ServerMetrics metrics,
            Consumer<String> accessLog) {
        this.root = root;
        this.faults = faults;
        this.secure = secure;
        this.log = log;
        this.metrics = metrics;
        this.accessLog = accessLog;
    }

    Publisher<Void> handle(HttpServerRequest req, HttpServerResponse res) {
        String method = req.method().name();
        String path;
        try {
            path = new QueryStringDecoder(req.uri()).path();
        } catch (IllegalArgumentException e) {
            return text(req, res, "?", 400, "bad request path\n");
        }
        if (!method.equals("GET") && !method.equals("HEAD")) {
            res.header(HttpHeaderNames.ALLOW, "GET, HEAD");
            return text(req, res, path, 405, "method not allowed\n");
        }
        if (path.equals("/metrics")) {
            res.header(HttpHeaderNames.CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8");
            return text(req, res, path, 200, metrics.prometheusText());
        }
        Path file = resolve(path);
        if (file == null) {
            return text(req, res, path, 400, "bad request path\n");
        }
        ServerFaults fault = faultsFor(path);
        int hop = hop(req.uri());
        if (hop < fault.redirects()) {
            metrics.fault("redirect");
            res.header(HttpHeaderNames.LOCATION, location(req, hop + 1));
            return text(req, res, path, fault.redirectStatus(), "moved\n");
        }
        if (fault.authorization() != null
                && !fault.authorization().equals(req.requestHeaders().get(HttpHeaderNames.AUTHORIZATION))) {
            metrics.fault("auth");
            res.header(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"flota\", charset=\"UTF-8\"");
            return text(req, res, path, 401, "authentication required\n");
        }
        if (fault.status() != 0) {
            metrics.fault("status");
            return text(req, res, path, fault.status(),
                    HttpResponseStatus.valueOf(fault.status()).reasonPhrase() + "\n");
        }
        if (method.equals("HEAD") && fault.refusesHead()) {
            metrics.fault("refuse_head");
            return text(req, res, path, 403, "");
        }
        int count = served.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        Resource resource = resource(file, fault, count);
        if (resource == null) {
            return text(req, res, path, 404, "not found\n");
        }
        return serve(req, res, path, fault, resource);
    }

    private Publisher<Void> serve(HttpServerRequest req, HttpServerResponse res, String path, ServerFaults fault,
            Resource resource) {
        var headers = req.requestHeaders();
        res.header(HttpHeaderNames.ETAG, resource.etag())
                .header(HttpHeaderNames.LAST_MODIFIED, HTTP_DATE.format(resource.lastModified()));
        if (notModified(headers.get(HttpHeaderNames.IF_NONE_MATCH), headers.get(HttpHeaderNames.IF_MODIFIED_SINCE),
                resource)) {
            return respond(req, res, path, 304, 0, null);
        }
        long length = resource.length();
        ByteRange range = new ByteRange(0, length);
        int status = 200;
        String rangeHeader = headers.get(HttpHeaderNames.RANGE);
        if (fault.ignoresRanges()) {
            if (rangeHeader != null) {
                metrics.fault("ignore_range");
            }
        } else {
            res.header(HttpHeaderNames.ACCEPT_RANGES, HttpHeaderValues.BYTES);
            String ifRange = headers.get(HttpHeaderNames.IF_RANGE);
            if (rangeHeader != null && (ifRange == null || ifRangeMatches(ifRange, resource))) {
                ByteRange.Parsed parsed = ByteRange.parse(rangeHeader, length);
                if (parsed instanceof ByteRange.Unsatisfiable) {
                    res.header(HttpHeaderNames.CONTENT_RANGE, "bytes */" + length);
                    return text(req, res, path, 416, "range not satisfiable\n");
                }
                if (parsed instanceof ByteRange.Satisfiable satisfiable) {
                    range = satisfiable.range();
                    status = 206;
                    res.header(HttpHeaderNames.CONTENT_RANGE, range.contentRange(length));
                }
            }
        }
        res.header(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.APPLICATION_OCTET_STREAM);
        switch (fault.framing()) {
            case CONTENT_LENGTH -> res.header(HttpHeaderNames.CONTENT_LENGTH, Long.toString(range.count()));
            case CHUNKED -> res.header(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            case CLOSE_DELIMITED -> res.keepAlive(false).header(CLOSE_DELIMITED, "1");
        }
        if (req.method().name().equals("HEAD")) {
            return respond(req, res, path, status, 0, null);
        }
        long sent = range.count();
        Mono<Void> after = Mono.empty();
        if (fault.closeAfterBytes() >= 0 && sent > fault.closeAfterBytes()
                && (!fault.closeOnce() || closedOnce.add(path))) {
            metrics.fault("close");
            sent = fault.closeAfterBytes();
            after = close(res);
        } else if (fault.stallAfterBytes() >= 0 && sent > fault.stallAfterBytes()) {
            metrics.fault("stall");
            sent = fault.stallAfterBytes();
            after = Mono.never();
        }
        if (resource.bytes() == null && !fault.altersBody()) {
            ByteRange r = range;
            if (r.count() == 0) {
                return respond(req, res, path, status, sent, null);
            }
            Mono<Void> zeroCopy = res.sendFile(resource.file(), r.start(), r.count()).then();
            if (!secure) {
                return respond(req, res, path, status, sent, zeroCopy);
            }
            Mono<Void> fromMemory = cache.contents(resource.file(), resource.length(),
                    resource.lastModifiedMillis()).flatMap(bytes -> res.send(Mono.just(Unpooled.wrappedBuffer(bytes,
                    (int) r.start(), (int) r.count()))).then()).switchIfEmpty(zeroCopy);
            return respond(req, res, path, status, sent, fromMemory);
        }
        Flux<ByteBuf> body = bytes(resource, range.start(), sent).flatMapMany(ImageHandler::chunks);
        return respond(req, res, path, status, sent, res.send(body).then().then(after));
    }

    private Publisher<Void> respond(HttpServerRequest req, HttpServerResponse res, String path, int status,
            long bodyBytes, Mono<Void> body) {
        res.status(status);
        String[] connection = {"?"};
        req.withConnection(c -> connection[0] = c.channel().id().asShortText());
        String range = req.requestHeaders().get(HttpHeaderNames.RANGE);
        if (log != null) {
            log.add(new ServedRequest(req.method().name(), path, range, status, bodyBytes, connection[0]));
        }
        metrics.request(req.method().name(), status, bodyBytes);
        if (accessLog != null) {
            InetSocketAddress remote = req.remoteAddress();
            accessLog.accept(String.format(Locale.ROOT, "%s - - [%s] \"%s %s %s\" %d %d \"%s\" %s",
                    remote == null ? "-" : remote.getHostString(), LOG_DATE.format(Instant.now()),
                    req.method().name(), req.uri(), req.version().text(), status, bodyBytes,
                    range == null ? "-" : range, connection[0]));
        }
        return body == null ? res.send() : body;
    }

    private Publisher<Void> text(HttpServerRequest req, HttpServerResponse res, String path, int status,
            String body) {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        if (!res.responseHeaders().contains(HttpHeaderNames.CONTENT_TYPE)) {
            res.header(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        }
        res.header(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
        boolean head = req.method().name().equals("HEAD");
        return respond(req, res, path, status, head ? 0 : bytes.length,
                head || bytes.length == 0 ? null : res.send(Mono.just(Unpooled.wrappedBuffer(bytes))).then());
    }

    private Path resolve(String path) {
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

    private ServerFaults faultsFor(String path) {
        ServerFaults global = ServerFaults.none();
        for (ServerFaults fault : faults) {
            if (path.equals(fault.path())) {
                return fault;
            }
            if (fault.path() == null) {
                global = fault;
            }
        }
        return global;
    }

    private Resource resource(Path file, ServerFaults fault, int count) {
        if (fault.replacement() != null && count > fault.replaceAfterRequests()) {
            byte[] bytes = fault.replacement();
            Resource original = fileResource(file);
            Instant modified = original == null ? Instant.now() : original.lastModified().plusSeconds(1);
            return new Resource(bytes.length, "\"r" + Integer.toHexString(Arrays.hashCode(bytes)) + "-"
                    + Integer.toHexString(bytes.length) + "\"", modified, null, bytes, modified.toEpochMilli());
        }
        return fileResource(file);
    }

    private static Resource fileResource(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return null;
            }
            long millis = attributes.lastModifiedTime().toMillis();
            String etag = "\"" + Long.toHexString(millis) + "-" + Long.toHexString(attributes.size()) + "\"";
            return new Resource(attributes.size(), etag, Instant.ofEpochSecond(millis / 1000), file, null, millis);
        } catch (IOException e) {
            return null;
        }
    }

    private static boolean notModified(String ifNoneMatch, String ifModifiedSince, Resource resource) {
        if (ifNoneMatch != null) {
            for (String tag : ifNoneMatch.split(",")) {
                String t = tag.trim();
                if (t.equals("*") || t.equals(resource.etag()) || t.equals("W/" + resource.etag())) {
                    return true;
                }
            }
            return false;
        }
        Instant since = parseDate(ifModifiedSince);
        return since != null && !resource.lastModified().isAfter(since);
    }

    private static boolean ifRangeMatches(String ifRange, Resource resource) {
        String value = ifRange.trim();
        if (value.startsWith("\"") || value.startsWith("W/")) {
            return value.equals(resource.etag());
        }
        Instant date = parseDate(value);
        return date != null && date.equals(resource.lastModified());
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

    private static int hop(String uri) {
        List<String> values = new QueryStringDecoder(uri).parameters().get(HOP);
        try {
            return values == null || values.isEmpty() ? 0 : Integer.parseInt(values.get(0));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private String location(HttpServerRequest req, int hop) {
        String host = req.requestHeaders().get(HttpHeaderNames.HOST);
        if (host == null) {
            host = req.hostAddress().getHostString() + ":" + req.hostAddress().getPort();
        }
        String uri = req.uri();
        int query = uri.indexOf('?');
        String rawPath = query < 0 ? uri : uri.substring(0, query);
        return (secure ? "https://" : "http://") + host + rawPath + "?" + HOP + "=" + hop;
    }

    private static Mono<byte[]> bytes(Resource resource, long start, long count) {
        if (resource.bytes() != null) {
            return Mono.just(Arrays.copyOfRange(resource.bytes(), (int) start, (int) (start + count)));
        }
        return Mono.fromCallable(() -> {
            byte[] bytes = new byte[Math.toIntExact(count)];
            try (RandomAccessFile file = new RandomAccessFile(resource.file().toFile(), "r")) {
                file.seek(start);
                file.readFully(bytes);
            }
            return bytes;
        }).subscribeOn(Schedulers.boundedElastic());
    }

    private static Flux<ByteBuf> chunks(byte[] bytes) {
        int n = (bytes.length + CHUNK - 1) / CHUNK;
        return Flux.range(0, n)
                .map(i -> Unpooled.wrappedBuffer(bytes, i * CHUNK, Math.min(CHUNK, bytes.length - i * CHUNK)));
    }

    private static Mono<Void> close(HttpServerResponse res) {
        return Mono.<Void>create(sink -> res.withConnection(c -> c.channel().close()
                .addListener(f -> sink.success()))).then(Mono.never());
    }
}
