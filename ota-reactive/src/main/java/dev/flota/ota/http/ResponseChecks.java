package dev.flota.ota.http;

import dev.flota.ota.http.FetchException.Reason;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import reactor.netty.http.client.HttpClientResponse;

/**
 * Whether each answer an {@link ImageFetcher} gets is one it can take, and what the answers say of the image: its size
 * and the validator that tells a changed image. The status is handled as {@code _http_handle_response_code} does
 * (401, redirects, 304, 416, errors), and a ranged answer must bring the exact {@code Content-Range} asked for. Kept
 * apart from the fetcher, which sends the requests and streams the bodies; one per fetcher.
 */
final class ResponseChecks {

    /** Not a failure: a 401 that is to be answered with credentials. */
    static final FetchException AUTH_RETRY = new FetchException(Reason.UNAUTHORIZED, "retry", 401, null);

    private final HttpSettings http;
    private final Authorization authorization;
    private final FetchListener listener;
    private volatile long imageSize = -1;
    private volatile String validator;

    ResponseChecks(HttpSettings http, Authorization authorization, FetchListener listener) {
        this.http = http;
        this.authorization = authorization;
        this.listener = listener;
    }

    /** The image's size once known, else -1. */
    long imageSize() {
        return imageSize;
    }

    /** The validator ranged requests send in {@code If-Range} (strong ETag, else Last-Modified), else null. */
    String validator() {
        return validator;
    }

    /** Resumption: the image is taken to be the one of this size and validator, as an earlier run recorded it. */
    void expect(long size, String validator) {
        this.imageSize = size;
        this.validator = validator;
    }

    /** The answer to HEAD: a 200 that says the size gives the image's size and validator. */
    void head(HttpHeaders headers, int status) {
        long length = headers.getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
        if (status == 200 && length >= 0) {
            imageSize = length;
            rememberValidator(headers, true);
        }
    }

    /** Null for a 2xx (or another status taken as an answer); AUTH_RETRY to ask again with credentials. */
    FetchException check(HttpClientResponse response) {
        int status = response.status().code();
        if (status == 401) {
            return authorization.retryAfter(response.responseHeaders()) ? AUTH_RETRY
                    : new FetchException(Reason.UNAUTHORIZED, authorization.refusal(), status, null);
        }
        if (isRedirect(status)) {
            return redirectRefused(response);
        }
        if (status == 304) {
            return new FetchException(Reason.NOT_MODIFIED, "304 Not Modified", status, null);
        }
        if (status == 416) {
            return new FetchException(Reason.RANGE_NOT_SATISFIABLE, "416 Range Not Satisfiable", status, null);
        }
        if (status >= 400) {
            return new FetchException(Reason.STATUS, "server answered " + status + " " + response.status()
                    .reasonPhrase(), status, null);
        }
        return null;
    }

    /**
     * Null when a 2xx answer brings what {@code request} asked for, learning the image size from it; else why not. A
     * 200 to a ranged request from byte 0 is the image, as if it answered one plain GET (ESP-IDF's fallback for a
     * server that ignores Range, or the new image when If-Range no longer matched); after byte 0 it cannot be spliced
     * in, and the image is to be fetched again.
     */
    FetchException checkAnswer(HttpHeaders headers, RangeRequest request, RangeRequest.Answer answer, int status) {
        if (answer == RangeRequest.Answer.UNEXPECTED) {
            return request.probe() ? new FetchException(Reason.STATUS, "unexpected status " + status + " to "
                    + request.range(), status, null) : new FetchException(Reason.RANGE_IGNORED, "asked for "
                    + request.range() + ", got " + status, status, null);
        }
        if (answer == RangeRequest.Answer.IGNORED_MIDWAY) {
            if (changed(headers)) {
                return new FetchException(Reason.IMAGE_CHANGED, "the image changed on the server (validator "
                        + validator + " is now " + validatorOf(headers) + ")", status, null);
            }
            listener.onRangeIgnored(request.start());
            return new FetchException(Reason.RANGE_IGNORED_MIDWAY, "asked for " + request.range() + ", got " + status
                    + " with the whole image: the server ignores Range", status, null);
        }
        if (request.range() != null && answer != RangeRequest.Answer.WHOLE_IMAGE) {
            String header = headers.get(HttpHeaderNames.CONTENT_RANGE, "");
            ContentRange answered = ContentRange.parse(header);
            String wrong = answered == null ? "is malformed" : answered.mismatch(request.start(), request.end(),
                    imageSize);
            if (wrong != null) {
                return new FetchException(Reason.RANGE_IGNORED, "asked for " + request.range() + ", got Content-Range '"
                        + header + "', which " + wrong, status, null);
            }
            imageSize = imageSize < 0 ? answered.total() : imageSize;
            return sizeKnown(status);
        }
        long length = headers.getInt(HttpHeaderNames.CONTENT_LENGTH, -1);
        imageSize = length >= 0 ? length : imageSize;
        return sizeKnown(status);
    }

    /** A partial download cannot go on without the image size. */
    private FetchException sizeKnown(int status) {
        return imageSize >= 0 || !http.partialDownload() ? null : new FetchException(
                Reason.NO_CONTENT_LENGTH, "the server did not say the image size (no Content-Length or Content-Range)",
                status, null);
    }

    /** Keeps the image's validator for If-Range: the first one seen, or a new one with the image from byte 0. */
    void rememberValidator(HttpHeaders headers, boolean fromStart) {
        String now = validatorOf(headers);
        if (validator == null || fromStart && now != null) {
            validator = now;
        }
    }

    /** Whether the answer is for another version of the image than the one the validator names. */
    boolean changed(HttpHeaders headers) {
        String now = validatorOf(headers);
        return validator != null && now != null && !validator.equals(now);
    }

    /** A strong ETag, else Last-Modified: what If-Range accepts. */
    private static String validatorOf(HttpHeaders headers) {
        String etag = headers.get(HttpHeaderNames.ETAG);
        if (etag != null && !etag.startsWith("W/")) {
            return etag;
        }
        return headers.get(HttpHeaderNames.LAST_MODIFIED);
    }

    /** Why a redirect that reached the pipeline was not followed: a downgrade to plain HTTP, or too many. */
    FetchException redirectRefused(HttpClientResponse response) {
        int status = response.status().code();
        String target = downgrade(response, http.allowHttp());
        if (target != null) {
            return new FetchException(Reason.INSECURE_REDIRECT, "refusing the redirect from " + response.resourceUrl()
                    + " to " + target + ": a downgrade from https to plain http needs allowHttp", status, null);
        }
        return new FetchException(Reason.MAX_REDIRECT, "more than " + http.maxRedirects() + " redirects",
                status, null);
    }

    /** The plain-http URL a redirect from https points to, unless plain HTTP is allowed; else null. */
    static String downgrade(HttpClientResponse response, boolean allowHttp) {
        String location = response.responseHeaders().get(HttpHeaderNames.LOCATION);
        if (allowHttp || location == null) {
            return null;
        }
        try {
            URI from = URI.create(response.resourceUrl());
            URI to = from.resolve(location.trim());
            return "https".equalsIgnoreCase(from.getScheme()) && "http".equalsIgnoreCase(to.getScheme())
                    ? to.toString() : null;
        } catch (IllegalArgumentException malformed) {
            return null;
        }
    }

    static boolean isRedirect(int status) {
        return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
    }
}
