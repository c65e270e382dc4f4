package dev.flota.ota.server;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Objects;
import org.reactivestreams.Publisher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * How an {@link ImageServer} answers a {@link FileRequest}: a status, headers, a body, whether the connection stays
 * open, and what happens once the body is sent. The server's own handling makes them; a decorator (see
 * {@link ImageServer#handler}) may answer with its own {@link #text(int, String)} or change the reply of the handling
 * it wraps. The server sends the reply and records {@link #bodyBytes()} in its access log, {@link RequestLog} and
 * {@code /metrics}; a HEAD reply never sends a body.
 *
 * <p>Immutable: every method returns a copy. A file's body goes out zero-copy (or from {@link FileCache} under TLS)
 * until a decorator replaces it with {@link #body(Publisher, long)}.
 */
public final class FileReply {

    /** Bodies read into memory go out in writes of this size. */
    static final int CHUNK = 16 * 1024;

    /** What the body is made of; the server sends each kind its own way. */
    sealed interface Body permits None, Bytes, Range, Stream {
    }

    record None() implements Body {
    }

    record Bytes(byte[] bytes) implements Body {
    }

    /** {@code count} bytes of {@code content} from {@code start}. */
    record Range(Content content, long start, long count) implements Body {
    }

    record Stream(Publisher<ByteBuf> buffers, long count) implements Body {
    }

    private final int status;
    private final HttpHeaders headers;
    private final Body body;
    private final boolean keepAlive;
    private final Mono<Void> after;

    private FileReply(int status, HttpHeaders headers, Body body, boolean keepAlive, Mono<Void> after) {
        this.status = status;
        this.headers = headers;
        this.body = body;
        this.keepAlive = keepAlive;
        this.after = after;
    }

    /** A reply with these headers and body. */
    static FileReply of(int status, HttpHeaders headers, Body body) {
        return new FileReply(status, headers, body, true, null);
    }

    /**
     * A short text answer such as {@code 404 not found}: {@code Content-Type: text/plain; charset=utf-8} and
     * {@code Content-Length}, the text in UTF-8 as its body.
     */
    public static FileReply text(int status, String text) {
        return text(status, text, new DefaultHttpHeaders());
    }

    /** A text answer after {@code headers} (which it takes); a {@code Content-Type} among them stays. */
    static FileReply text(int status, String text, HttpHeaders headers) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status " + status);
        }
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (!headers.contains(HttpHeaderNames.CONTENT_TYPE)) {
            headers.set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        }
        headers.set(HttpHeaderNames.CONTENT_LENGTH, Integer.toString(bytes.length));
        return of(status, headers, bytes.length == 0 ? new None() : new Bytes(bytes));
    }

    public int status() {
        return status;
    }

    /** The value of a response header, or null. */
    public String header(CharSequence name) {
        return headers.get(name);
    }

    /** This reply with the header set to {@code value}, replacing earlier values. */
    public FileReply header(CharSequence name, Object value) {
        Objects.requireNonNull(value, "value");
        return new FileReply(status, headers.copy().set(name, value), body, keepAlive, after);
    }

    /** This reply without the header. */
    public FileReply withoutHeader(CharSequence name) {
        return new FileReply(status, headers.copy().remove(name), body, keepAlive, after);
    }

    /** The body bytes this reply sends to a GET; fewer than {@code Content-Length} says when a decorator cut it. */
    public long bodyBytes() {
        if (body instanceof Bytes b) {
            return b.bytes().length;
        }
        if (body instanceof Range r) {
            return r.count();
        }
        if (body instanceof Stream s) {
            return s.count();
        }
        return 0;
    }

    /**
     * The body as buffers: a file's range is read (on {@code boundedElastic}, never on an event loop) when subscribed,
     * and goes out in 16 KiB buffers.
     */
    public Flux<ByteBuf> body() {
        if (body instanceof Bytes b) {
            return Flux.just(Unpooled.wrappedBuffer(b.bytes()));
        }
        if (body instanceof Range r) {
            return read(r).flatMapMany(FileReply::chunks);
        }
        if (body instanceof Stream s) {
            return Flux.from(s.buffers());
        }
        return Flux.empty();
    }

    /**
     * This reply sending {@code buffers} as its body instead, {@code bodyBytes} of them, headers unchanged (the
     * decorator keeps {@code Content-Length} and the body consistent, or not, on purpose). The body now goes through
     * memory, not zero-copy.
     */
    public FileReply body(Publisher<ByteBuf> buffers, long bodyBytes) {
        Objects.requireNonNull(buffers, "buffers");
        if (bodyBytes < 0) {
            throw new IllegalArgumentException("bodyBytes " + bodyBytes);
        }
        return new FileReply(status, headers, new Stream(buffers, bodyBytes), keepAlive, after);
    }

    /** Whether the connection stays open for further requests after this reply (by default it does). */
    public FileReply keepAlive(boolean keepAlive) {
        return new FileReply(status, headers, body, keepAlive, after);
    }

    /**
     * This reply running {@code after} once its body is sent; the exchange ends when {@code after} completes (which
     * may be never). Replaces an earlier one.
     */
    public FileReply then(Mono<Void> after) {
        Objects.requireNonNull(after, "after");
        return new FileReply(status, headers, body, keepAlive, after);
    }

    HttpHeaders headers() {
        return headers;
    }

    Body content() {
        return body;
    }

    boolean isKeepAlive() {
        return keepAlive;
    }

    /** What runs after the body, or null. */
    Mono<Void> after() {
        return after;
    }

    /** The bytes of a range, read into memory. */
    static Mono<byte[]> read(Range range) {
        Content content = range.content();
        if (content.bytes() != null) {
            return Mono.just(Arrays.copyOfRange(content.bytes(), (int) range.start(),
                    (int) (range.start() + range.count())));
        }
        return Mono.fromCallable(() -> {
            byte[] bytes = new byte[Math.toIntExact(range.count())];
            try (RandomAccessFile file = new RandomAccessFile(content.file().toFile(), "r")) {
                file.seek(range.start());
                file.readFully(bytes);
            }
            return bytes;
        }).subscribeOn(Schedulers.boundedElastic());
    }

    static Flux<ByteBuf> chunks(byte[] bytes) {
        int n = (bytes.length + CHUNK - 1) / CHUNK;
        return Flux.range(0, n)
                .map(i -> Unpooled.wrappedBuffer(bytes, i * CHUNK, Math.min(CHUNK, bytes.length - i * CHUNK)));
    }

    @Override
    public String toString() {
        return "FileReply[" + status + ", " + bodyBytes() + " B]";
    }
}
