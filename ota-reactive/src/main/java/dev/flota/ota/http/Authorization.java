package dev.flota.ota.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Answers a 401 as {@code esp_http_client} does: with Basic, or with Digest (RFC 7616: SHA-256 preferred over MD5,
 * {@code qop=auth}, {@code -sess} variants) when the server asks for it, at most
 * {@code maxAuthorizationRetries} times per update. Once challenged, every later request of the update carries the
 * answer (Digest with a fresh nonce count), so a partial download does not meet a 401 per range. One per update; not
 * thread-safe (an update sends one request at a time).
 */
final class Authorization {

    /** A DRBG seeded once, here: drawing a cnonce then reads no entropy file, so it may run on an event loop. */
    private static final SecureRandom RANDOM = seeded();

    private final Credentials credentials;
    private int attempts;
    private DigestChallenge digest;
    private boolean basic;
    private int nonceCount;
    private String unanswerable;

    Authorization(Credentials credentials) {
        this.credentials = credentials;
    }

    /**
     * A 401 arrived with these headers: whether to send the request again with credentials (there are some, and
     * retries are left).
     */
    boolean retryAfter(HttpHeaders response) {
        if (!credentials.present() || attempts >= credentials.maxAuthorizationRetries()) {
            return false;
        }
        List<String> challenges = response.getAll(HttpHeaderNames.WWW_AUTHENTICATE);
        Optional<DigestChallenge> challenge = DigestChallenge.strongest(challenges);
        boolean basicOffered = challenges.isEmpty() || challenges.stream().flatMap(v -> AuthParams.challenges(v)
                .stream()).anyMatch(c -> c.regionMatches(true, 0, "Basic", 0, 5));
        if (challenge.isEmpty() && !basicOffered) {
            unanswerable = String.join(" | ", challenges);
            return false;
        }
        attempts++;
        digest = challenge.orElse(null);
        basic = challenge.isEmpty();
        nonceCount = 0;
        return true;
    }

    /** Why the last 401 ends the update. */
    String refusal() {
        if (unanswerable != null) {
            return "401 Unauthorized: the server asks for an authentication Flota cannot answer (" + unanswerable + ")";
        }
        return credentials.present() ? "401 Unauthorized after " + attempts + " attempts with credentials"
                : "401 Unauthorized and no credentials configured";
    }

    /** Adds the {@code Authorization} header to a request, once challenged. */
    void addTo(HttpHeaders headers, String method, URI uri) {
        if (digest != null) {
            nonceCount++;
            headers.set(HttpHeaderNames.AUTHORIZATION, digest.answer(credentials, method, requestTarget(uri),
                    nonceCount, cnonce()));
        } else if (basic) {
            String token = credentials.username() + ":" + credentials.password();
            headers.set(HttpHeaderNames.AUTHORIZATION, "Basic "
                    + Base64.getEncoder().encodeToString(token.getBytes(StandardCharsets.UTF_8)));
        }
    }

    private static String requestTarget(URI uri) {
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        return uri.getRawQuery() == null ? path : path + "?" + uri.getRawQuery();
    }

    private static SecureRandom seeded() {
        SecureRandom random;
        try {
            random = SecureRandom.getInstance("DRBG");
        } catch (NoSuchAlgorithmException e) {
            random = new SecureRandom();
        }
        random.nextBytes(new byte[16]);
        return random;
    }

    private static String cnonce() {
        byte[] bytes = new byte[16];
        RANDOM.nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    /** One {@code WWW-Authenticate: Digest ...} challenge. */
    record DigestChallenge(String realm, String nonce, String opaque, String algorithm, boolean qopAuth,
            boolean userhash) {

        /** The strongest Digest challenge among the header values (SHA-256 before MD5), if any. */
        static Optional<DigestChallenge> strongest(List<String> values) {
            DigestChallenge best = null;
            for (String value : values) {
                for (String challenge : AuthParams.challenges(value)) {
                    DigestChallenge parsed = parse(challenge);
                    if (parsed != null && (best == null || rank(parsed) > rank(best))) {
                        best = parsed;
                    }
                }
            }
            return Optional.ofNullable(best);
        }

        private static int rank(DigestChallenge c) {
            return c.algorithm.startsWith("SHA-256") ? 2 : 1;
        }

        /** Null when this is no Digest challenge Flota can answer. */
        static DigestChallenge parse(String challenge) {
            if (!challenge.regionMatches(true, 0, "Digest ", 0, 7)) {
                return null;
            }
            var params = AuthParams.parse(challenge.substring(7));
            String algorithm = params.getOrDefault("algorithm", "MD5").toUpperCase(Locale.ROOT);
            String qop = params.get("qop");
            boolean qopAuth = qop != null && List.of(qop.toLowerCase(Locale.ROOT).split("\\s*,\\s*")).contains("auth");
            if (!List.of("MD5", "MD5-SESS", "SHA-256", "SHA-256-SESS").contains(algorithm)
                    || params.get("nonce") == null || qop != null && !qopAuth) {
                return null;
            }
            return new DigestChallenge(params.getOrDefault("realm", ""), params.get("nonce"), params.get("opaque"),
                    algorithm, qopAuth, "true".equalsIgnoreCase(params.get("userhash")));
        }

        String answer(Credentials credentials, String method, String uri, int nonceCount, String cnonce) {
            String nc = String.format("%08x", nonceCount);
            String ha1 = hash(credentials.username() + ":" + realm + ":" + credentials.password());
            if (algorithm.endsWith("-SESS")) {
                ha1 = hash(ha1 + ":" + nonce + ":" + cnonce);
            }
            String ha2 = hash(method + ":" + uri);
            String response = qopAuth ? hash(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":auth:" + ha2)
                    : hash(ha1 + ":" + nonce + ":" + ha2);
            String user = userhash ? hash(credentials.username() + ":" + realm) : credentials.username();
            StringBuilder header = new StringBuilder("Digest username=").append(AuthParams.quote(user))
                    .append(", realm=").append(AuthParams.quote(realm))
                    .append(", nonce=").append(AuthParams.quote(nonce))
                    .append(", uri=").append(AuthParams.quote(uri))
                    .append(", algorithm=").append(algorithm)
                    .append(", response=").append(AuthParams.quote(response));
            if (qopAuth) {
                header.append(", qop=auth, nc=").append(nc).append(", cnonce=").append(AuthParams.quote(cnonce));
            }
            if (opaque != null) {
                header.append(", opaque=").append(AuthParams.quote(opaque));
            }
            if (userhash) {
                header.append(", userhash=true");
            }
            return header.toString();
        }

        private String hash(String text) {
            try {
                MessageDigest digest = MessageDigest.getInstance(algorithm.startsWith("SHA-256") ? "SHA-256" : "MD5");
                return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
            } catch (NoSuchAlgorithmException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String toString() {
            return "DigestChallenge[" + realm + ", " + algorithm + "]";
        }
    }
}
