package dev.flota.ota.server;

/**
 * One request an {@link ImageServer} answered, recorded when its response headers are sent (so a client that has read
 * the response always finds it in the log).
 *
 * @param method     the HTTP method
 * @param path       the decoded request path, without the query
 * @param range      the {@code Range} header, or null
 * @param status     the status answered
 * @param bodyBytes  the body bytes the server sends (fewer than the length announced when a decorator cuts it)
 * @param connection an identifier of the connection, equal for requests on one keep-alive connection
 */
public record ServedRequest(String method, String path, String range, int status, long bodyBytes, String connection) {
}
