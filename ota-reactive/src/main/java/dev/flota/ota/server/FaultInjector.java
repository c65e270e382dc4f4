package dev.flota.ota.server;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.util.ReferenceCountUtil;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.netty.NettyPipeline;
import reactor.netty.http.server.HttpServerRequest;

/**
 * {@link ServerFaults} around an image server's file handling, in request order: redirects, authentication, the fixed
 * status, HEAD refusal, then the handling it wraps serves the file (or the replacement, whole when ranges are
 * ignored), and the reply is framed, cut or stalled as configured. One per running server: it counts the requests per
 * path and remembers the paths already cut once.
 */
final class FaultInjector implements Function<FileRequest, FileReply> {

    static final String HOP = "flota-hop";

    private final List<ServerFaults> faults;
    private final Function<FileRequest, FileReply> files;
    private final Map<String, AtomicInteger> served = new ConcurrentHashMap<>();
    private final Set<String> closedOnce = ConcurrentHashMap.newKeySet();

    FaultInjector(List<ServerFaults> faults, Function<FileRequest, FileReply> files) {
        this.faults = faults;
        this.files = files;
    }

    @Override
    public FileReply apply(FileRequest request) {
        String path = request.path();
        boolean head = request.method().equals("HEAD");
        ServerFaults fault = faultsFor(path);
        int hop = hop(request.http().uri());
        if (hop < fault.redirects()) {
            request.countFault("redirect");
            return FileReply.text(fault.redirectStatus(), "moved\n")
                    .header(HttpHeaderNames.LOCATION, location(request.http(), hop + 1));
        }
        if (fault.authorization() != null
                && !fault.authorization().equals(request.header(HttpHeaderNames.AUTHORIZATION))) {
            request.countFault("auth");
            return FileReply.text(401, "authentication required\n")
                    .header(HttpHeaderNames.WWW_AUTHENTICATE, "Basic realm=\"flota\", charset=\"UTF-8\"");
        }
        if (fault.status() != 0) {
            request.countFault("status");
            return FileReply.text(fault.status(), HttpResponseStatus.valueOf(fault.status()).reasonPhrase() + "\n");
        }
        if (head && fault.refusesHead()) {
            request.countFault("refuse_head");
            return FileReply.text(403, "");
        }
        int count = served.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
        FileRequest wrapped = request;
        if (fault.replacement() != null && count > fault.replaceAfterRequests()) {
            wrapped = replaced(wrapped, fault.replacement());
        }
        if (fault.ignoresRanges()) {
            wrapped = wrapped.withoutHeaders(HttpHeaderNames.RANGE, HttpHeaderNames.IF_RANGE);
        }
        FileReply reply = files.apply(wrapped);
        if (reply.status() != 200 && reply.status() != 206) {
            return reply;
        }
        if (fault.ignoresRanges()) {
            if (request.header(HttpHeaderNames.RANGE) != null) {
                request.countFault("ignore_range");
            }
            reply = reply.withoutHeader(HttpHeaderNames.ACCEPT_RANGES);
        }
        reply = frame(request, reply, fault.framing());
        if (head || !fault.altersBody()) {
            return reply;
        }
        long sent = reply.bodyBytes();
        Mono<Void> after = null;
        if (fault.closeAfterBytes() >= 0 && sent > fault.closeAfterBytes()
                && (!fault.closeOnce() || closedOnce.add(path))) {
            request.countFault("close");
            sent = fault.closeAfterBytes();
            after = close(request.http());
        } else if (fault.stallAfterBytes() >= 0 && sent > fault.stallAfterBytes()) {
            request.countFault("stall");
            sent = fault.stallAfterBytes();
            after = Mono.never();
        }
        reply = reply.body(prefix(reply.body(), sent), sent);
        return after == null ? reply : reply.then(after);
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

    /** The changed image: its own ETag, and a Last-Modified a second after the file's (now when there is none). */
    private static FileRequest replaced(FileRequest request, byte[] bytes) {
        Instant modified = request.lastModified().map(t -> t.plusSeconds(1)).orElseGet(Instant::now);
        String etag = "\"r" + Integer.toHexString(Arrays.hashCode(bytes)) + "-" + Integer.toHexString(bytes.length)
                + "\"";
        return request.withContent(bytes, etag, modified);
    }

    private static FileReply frame(FileRequest request, FileReply reply, ServerFaults.Framing framing) {
        return switch (framing) {
            case CONTENT_LENGTH -> reply;
            case CHUNKED -> reply.withoutHeader(HttpHeaderNames.CONTENT_LENGTH)
                    .header(HttpHeaderNames.TRANSFER_ENCODING, HttpHeaderValues.CHUNKED);
            case CLOSE_DELIMITED -> {
                request.http().withConnection(connection -> CloseDelimitedFraming.install(connection.channel()));
                yield reply.withoutHeader(HttpHeaderNames.CONTENT_LENGTH).keepAlive(false)
                        .header(CloseDelimitedFraming.MARK, "1");
            }
        };
    }

    /** The first {@code count} bytes of {@code body}, sliced out of the buffer that crosses the limit. */
    static Flux<ByteBuf> prefix(Flux<ByteBuf> body, long count) {
        if (count == 0) {
            return Flux.empty();
        }
        return Flux.defer(() -> {
            long[] left = {count};
            return body.<ByteBuf>handle((buffer, sink) -> {
                int readable = buffer.readableBytes();
                if (readable < left[0]) {
                    left[0] -= readable;
                    sink.next(buffer);
                    return;
                }
                ByteBuf last = readable == left[0] ? buffer
                        : buffer.retainedSlice(buffer.readerIndex(), (int) left[0]);
                if (last != buffer) {
                    buffer.release();
                }
                left[0] = 0;
                sink.next(last);
                sink.complete();
            }).doOnDiscard(ByteBuf.class, ReferenceCountUtil::safeRelease);
        });
    }

    private static int hop(String uri) {
        List<String> values = new QueryStringDecoder(uri).parameters().get(HOP);
        try {
            return values == null || values.isEmpty() ? 0 : Integer.parseInt(values.get(0));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static String location(HttpServerRequest req, int hop) {
        String host = req.requestHeaders().get(HttpHeaderNames.HOST);
        if (host == null) {
            host = req.hostAddress().getHostString() + ":" + req.hostAddress().getPort();
        }
        String uri = req.uri();
        int query = uri.indexOf('?');
        String rawPath = query < 0 ? uri : uri.substring(0, query);
        return req.scheme() + "://" + host + rawPath + "?" + HOP + "=" + hop;
    }

    private static Mono<Void> close(HttpServerRequest req) {
        return Mono.<Void>create(sink -> req.withConnection(c -> c.channel().close()
                .addListener(f -> sink.success()))).then(Mono.never());
    }

    /**
     * Turns a response marked {@link #MARK} into an HTTP/1.0-style body: neither {@code Content-Length} nor
     * {@code Transfer-Encoding}, so the body ends when the server closes the connection. Sits after Reactor Netty's
     * HTTP codec, which would otherwise frame the body.
     */
    static final class CloseDelimitedFraming extends ChannelOutboundHandlerAdapter {
        static final String NAME = "flota.closeDelimited";
        static final String MARK = "x-flota-close-delimited";

        static void install(io.netty.channel.Channel channel) {
            var pipeline = channel.pipeline();
            if (pipeline.get(NAME) == null && pipeline.get(NettyPipeline.HttpCodec) != null) {
                pipeline.addAfter(NettyPipeline.HttpCodec, NAME, new CloseDelimitedFraming());
            }
        }

        @Override
        public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) throws Exception {
            if (msg instanceof HttpResponse response && response.headers().contains(MARK)) {
                response.headers().remove(MARK)
                        .remove(HttpHeaderNames.TRANSFER_ENCODING)
                        .remove(HttpHeaderNames.CONTENT_LENGTH)
                        .set(HttpHeaderNames.CONNECTION, "close");
            }
            super.write(ctx, msg, promise);
        }
    }
}
