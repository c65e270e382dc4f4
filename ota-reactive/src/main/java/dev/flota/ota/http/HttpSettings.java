package dev.flota.ota.http;

import io.netty.handler.codec.http.HttpHeaders;
import java.net.URI;
import java.util.function.BiConsumer;
import reactor.netty.resources.ConnectionProvider;

/**
 * Where and how the image is requested ({@code esp_http_client_config_t} and the partial-download fields of
 * {@code esp_https_ota_config_t}).
 *
 * @param url             the image URL, null until configured
 * @param allowHttp       whether {@code http://} is allowed at all ({@code CONFIG_ESP_HTTPS_OTA_ALLOW_HTTP})
 * @param partialDownload ranged requests of at most {@code maxRequestSize} bytes ({@code partial_http_download})
 * @param maxRequestSize  {@code max_http_request_size}
 * @param maxRedirects    {@code max_redirection_count}
 * @param requestHook     called for every request with its method and headers ({@code http_client_init_cb}), or null
 * @param connections     a shared connection pool, or null for one connection per update (as a device has)
 * @param proxy           the HTTP proxy, or null for the JVM's proxy properties
 */
public record HttpSettings(URI url, boolean allowHttp, boolean partialDownload, int maxRequestSize, int maxRedirects,
        BiConsumer<String, HttpHeaders> requestHook, ConnectionProvider connections, ProxySettings proxy) {

    public HttpSettings {
        if (maxRequestSize <= 0) {
            throw new IllegalArgumentException("maxRequestSize must be positive");
        }
        if (maxRedirects < 0) {
            throw new IllegalArgumentException("maxRedirects must not be negative");
        }
    }

    /** ESP-IDF's defaults: HTTPS only, one GET, 64 KiB ranged requests when partial, 10 redirects. */
    public static HttpSettings defaults() {
        return new HttpSettings(null, false, false, 64 * 1024, 10, null, null, null);
    }

    public HttpSettings withUrl(URI value) {
        return new HttpSettings(value, allowHttp, partialDownload, maxRequestSize, maxRedirects, requestHook,
                connections, proxy);
    }

    public HttpSettings withAllowHttp(boolean value) {
        return new HttpSettings(url, value, partialDownload, maxRequestSize, maxRedirects,
                requestHook, connections, proxy);
    }

    public HttpSettings withPartialDownload(boolean value) {
        return new HttpSettings(url, allowHttp, value, maxRequestSize, maxRedirects, requestHook, connections, proxy);
    }

    public HttpSettings withMaxRequestSize(int value) {
        return new HttpSettings(url, allowHttp, partialDownload, value, maxRedirects, requestHook, connections, proxy);
    }

    public HttpSettings withMaxRedirects(int value) {
        return new HttpSettings(url, allowHttp, partialDownload, maxRequestSize, value,
                requestHook, connections, proxy);
    }

    public HttpSettings withRequestHook(BiConsumer<String, HttpHeaders> value) {
        return new HttpSettings(url, allowHttp, partialDownload, maxRequestSize, maxRedirects,
                value, connections, proxy);
    }

    public HttpSettings withConnections(ConnectionProvider value) {
        return new HttpSettings(url, allowHttp, partialDownload, maxRequestSize, maxRedirects,
                requestHook, value, proxy);
    }

    public HttpSettings withProxy(ProxySettings value) {
        return new HttpSettings(url, allowHttp, partialDownload, maxRequestSize, maxRedirects, requestHook, connections,
                value);
    }

    boolean https() {
        return url != null && "https".equalsIgnoreCase(url.getScheme());
    }
}
