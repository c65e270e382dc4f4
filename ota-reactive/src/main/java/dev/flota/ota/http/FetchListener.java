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

    /** Image bytes received and not kept: the body of the {@code bytes=0-0} request for the size. */
    default void onDiscarded(int count) {
    }

    /**
     * The server answered a ranged request from {@code offset} with 200, ignoring Range: from 0, that answer is taken
     * as the whole image; later, the image has to be fetched again from byte 0.
     */
    default void onRangeIgnored(long offset) {
    }

    /** A request failed in a way worth retrying; the next one starts at {@code position}. */
    default void onRetry(Throwable cause, long position) {
    }

    /** A request is about to be sent. */
    default void onRequest(String method) {
    }
}
