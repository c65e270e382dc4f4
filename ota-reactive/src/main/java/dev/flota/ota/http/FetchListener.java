package dev.flota.ota.http;

/** What the fetch stage reports while it runs; every method has an empty default. Called on Netty threads. */
public interface FetchListener {

    /** A response arrived (every request, including HEAD, redirects and errors). */
    default void onResponse(int status) {
    }

    /** The first response carrying image bytes arrived; {@code imageSize} is -1 when unknown. */
    default void onConnected(int status, long imageSize) {
    }

    /** Image bytes received. */
    default void onBytes(int count) {
    }

    /** A request failed in a way worth retrying; the next one starts at {@code position}. */
    default void onRetry(Throwable cause, long position) {
    }

    /** A request is about to be sent. */
    default void onRequest(String method) {
    }
}
