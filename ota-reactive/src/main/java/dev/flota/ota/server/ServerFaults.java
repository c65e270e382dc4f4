package dev.flota.ota.server;

import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Misbehaviours an {@link ImageServer} can put on, to test clients against the servers ESP-IDF's conformance tests
 * use and the ones met in the field: redirect chains, authentication, error statuses, servers that ignore
 * {@code Range}, drop or stall mid-body, chunked or close-delimited bodies, S3-style HEAD refusal, and an image that
 * changes between requests. Immutable; every method returns a copy. All faults are off in {@link #none()}; a value
 * applies to every file, or to one path with {@link #forPath(String)}.
 *
 * <p>{@link #inject(ServerFaults...)} puts them on a server by decorating its file handling, so the server itself
 * knows nothing of them (the server's {@code /metrics} still counts each fault injected):
 * <pre>{@code
 * ImageServer.create().directory(dir).handler(ServerFaults.inject(ServerFaults.none().closeOnceAfter(20_000)))
 * }</pre>
 *
 * <p>Faults combine in request order: redirects first, then authentication, the fixed status, HEAD refusal, then the
 * body is served (possibly replaced, ignoring ranges, and framed, cut or stalled as configured).
 */
public final class ServerFaults implements Cloneable {

    /** How a body is delimited on the wire. */
    enum Framing { CONTENT_LENGTH, CHUNKED, CLOSE_DELIMITED }

    private static final Set<Integer> REDIRECTS = Set.of(301, 302, 303, 307, 308);
    private static final ServerFaults NONE = new ServerFaults();

    private String path;
    private int redirects;
    private int redirectStatus = 302;
    private String authorization;
    private int status;
    private boolean ignoreRanges;
    private long closeAfter = -1;
    private boolean closeOnce;
    private long stallAfter = -1;
    private Framing framing = Framing.CONTENT_LENGTH;
    private boolean refuseHead;
    private int replaceAfter = -1;
    private byte[] replacement;

    private ServerFaults() {
    }

    /**
     * The decorator for {@link ImageServer#handler} that injects {@code faults}: for each request the value
     * {@link #forPath for its path} applies, else the last one without a path, else none. Each running server gets
     * its own request counts (for {@link #replaceAfter}) and memory of {@link #closeOnceAfter} cuts.
     */
    public static UnaryOperator<Function<FileRequest, FileReply>> inject(ServerFaults... faults) {
        List<ServerFaults> list = List.of(faults);
        return files -> new FaultInjector(list, files);
    }

    /** No fault: a well-behaved server. */
    public static ServerFaults none() {
        return NONE;
    }

    /** Applies these faults only to requests for {@code path} (e.g. {@code "/app.bin"}), not to every file. */
    public ServerFaults forPath(String path) {
        Objects.requireNonNull(path, "path");
        String p = path.startsWith("/") ? path : "/" + path;
        return copy(c -> c.path = p);
    }

    /** Answers {@code count} redirects with {@code status} (301, 302, 303, 307, 308), the last one to the file. */
    public ServerFaults redirects(int count, int status) {
        if (count < 0 || !REDIRECTS.contains(status)) {
            throw new IllegalArgumentException("redirects(" + count + ", " + status + ")");
        }
        return copy(c -> {
            c.redirects = count;
            c.redirectStatus = status;
        });
    }

    /** Requires HTTP Basic credentials: 401 with {@code WWW-Authenticate} otherwise. */
    public ServerFaults basicAuth(String user, String password) {
        String token = java.util.Base64.getEncoder().encodeToString(
                (user + ":" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return copy(c -> c.authorization = "Basic " + token);
    }

    /** Answers every request with this status (e.g. 404, 500, 503) and a short text body. */
    public ServerFaults status(int status) {
        if (status < 100 || status > 599) {
            throw new IllegalArgumentException("status " + status);
        }
        return copy(c -> c.status = status);
    }

    /** A lying server: answers {@code Range} requests with 200 and the whole file. */
    public ServerFaults ignoreRanges() {
        return copy(c -> c.ignoreRanges = true);
    }

    /** Closes the connection after {@code bodyBytes} bytes of every body longer than that. */
    public ServerFaults closeAfter(long bodyBytes) {
        return close(bodyBytes, false);
    }

    /** Closes the connection after {@code bodyBytes} bytes of the first body longer than that only. */
    public ServerFaults closeOnceAfter(long bodyBytes) {
        return close(bodyBytes, true);
    }

    /** Sends {@code bodyBytes} bytes of every body longer than that, then nothing more, keeping the connection open. */
    public ServerFaults stallAfter(long bodyBytes) {
        if (bodyBytes < 0) {
            throw new IllegalArgumentException("stallAfter " + bodyBytes);
        }
        return copy(c -> c.stallAfter = bodyBytes);
    }

    /** Sends bodies with {@code Transfer-Encoding: chunked} instead of {@code Content-Length}. */
    public ServerFaults chunked() {
        return copy(c -> c.framing = Framing.CHUNKED);
    }

    /** Sends bodies HTTP/1.0 style, like {@code openssl s_server -WWW}: no length, the end is the connection close. */
    public ServerFaults closeDelimited() {
        return copy(c -> c.framing = Framing.CLOSE_DELIMITED);
    }

    /** Answers HEAD with 403, as an S3 presigned GET URL does. */
    public ServerFaults refuseHead() {
        return copy(c -> c.refuseHead = true);
    }

    /**
     * After {@code requests} requests for the path have been served, serves {@code content} instead of the file, with
     * its own ETag and a later Last-Modified: the image changed on the server.
     */
    public ServerFaults replaceAfter(int requests, byte[] content) {
        if (requests < 0) {
            throw new IllegalArgumentException("replaceAfter " + requests);
        }
        byte[] bytes = content.clone();
        return copy(c -> {
            c.replaceAfter = requests;
            c.replacement = bytes;
        });
    }

    String path() {
        return path;
    }

    int redirects() {
        return redirects;
    }

    int redirectStatus() {
        return redirectStatus;
    }

    String authorization() {
        return authorization;
    }

    int status() {
        return status;
    }

    boolean ignoresRanges() {
        return ignoreRanges;
    }

    long closeAfterBytes() {
        return closeAfter;
    }

    boolean closeOnce() {
        return closeOnce;
    }

    long stallAfterBytes() {
        return stallAfter;
    }

    Framing framing() {
        return framing;
    }

    boolean refusesHead() {
        return refuseHead;
    }

    int replaceAfterRequests() {
        return replaceAfter;
    }

    byte[] replacement() {
        return replacement;
    }

    /** Whether bodies must go through memory rather than zero-copy file sending. */
    boolean altersBody() {
        return closeAfter >= 0 || stallAfter >= 0 || framing != Framing.CONTENT_LENGTH;
    }

    private ServerFaults close(long bodyBytes, boolean once) {
        if (bodyBytes < 0) {
            throw new IllegalArgumentException("closeAfter " + bodyBytes);
        }
        return copy(c -> {
            c.closeAfter = bodyBytes;
            c.closeOnce = once;
        });
    }

    private ServerFaults copy(java.util.function.Consumer<ServerFaults> change) {
        try {
            ServerFaults copy = (ServerFaults) super.clone();
            change.accept(copy);
            return copy;
        } catch (CloneNotSupportedException e) {
            throw new AssertionError(e);
        }
    }

    @Override
    public String toString() {
        StringBuilder text = new StringBuilder("ServerFaults{path=").append(path == null ? "*" : path);
        if (redirects > 0) {
            text.append(", redirects=").append(redirects).append('x').append(redirectStatus);
        }
        if (authorization != null) {
            text.append(", basicAuth");
        }
        if (status != 0) {
            text.append(", status=").append(status);
        }
        if (ignoreRanges) {
            text.append(", ignoreRanges");
        }
        if (closeAfter >= 0) {
            text.append(closeOnce ? ", closeOnceAfter=" : ", closeAfter=").append(closeAfter);
        }
        if (stallAfter >= 0) {
            text.append(", stallAfter=").append(stallAfter);
        }
        if (framing != Framing.CONTENT_LENGTH) {
            text.append(", ").append(framing);
        }
        if (refuseHead) {
            text.append(", refuseHead");
        }
        if (replacement != null) {
            text.append(", replaceAfter=").append(replaceAfter).append(" (").append(replacement.length).append(" B, ")
                    .append(Integer.toHexString(Arrays.hashCode(replacement))).append(')');
        }
        return text.append('}').toString();
    }
}
