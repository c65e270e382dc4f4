package dev.flota.ota.server;

import io.netty.channel.group.ChannelGroup;
import java.time.Duration;
import reactor.core.publisher.Mono;
import reactor.netty.DisposableServer;

/** A started {@link ImageServer}: where it listens, what it was asked, and how to stop it. */
public final class RunningImageServer implements AutoCloseable {

    private final DisposableServer server;
    private final boolean secure;
    private final RequestLog requests;
    private final ChannelGroup channels;

    RunningImageServer(DisposableServer server, boolean secure, RequestLog requests, ChannelGroup channels) {
        this.server = server;
        this.secure = secure;
        this.requests = requests;
        this.channels = channels;
    }

    public int port() {
        return server.port();
    }

    public String host() {
        return server.host();
    }

    /** {@code https://HOST:PORT/} (or {@code http://}), ending with a slash. */
    public String baseUrl() {
        String host = server.host().contains(":") ? "[" + server.host() + "]" : server.host();
        return (secure ? "https://" : "http://") + host + ":" + port() + "/";
    }

    /** The URL of a file relative to the served directory, e.g. {@code url("app.bin")}. */
    public String url(String relativePath) {
        return baseUrl() + (relativePath.startsWith("/") ? relativePath.substring(1) : relativePath);
    }

    /** Every request answered so far. */
    public RequestLog requests() {
        return requests;
    }

    /** Completes when the server has stopped listening. */
    public Mono<Void> onDispose() {
        return server.onDispose();
    }

    /** Closes every open connection (stalled ones included) but keeps listening. */
    public void closeConnections() {
        channels.close().awaitUninterruptibly(5_000);
    }

    /** Stops listening and closes every connection, waiting a few seconds at most. */
    public void disposeNow() {
        server.disposeNow(Duration.ofSeconds(5));
        closeConnections();
    }

    @Override
    public void close() {
        disposeNow();
    }

    @Override
    public String toString() {
        return "RunningImageServer[" + baseUrl() + "]";
    }
}
