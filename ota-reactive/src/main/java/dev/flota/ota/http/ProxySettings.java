package dev.flota.ota.http;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import reactor.netty.transport.ProxyProvider;

/**
 * An HTTP proxy the update goes through: every request, {@code https} or {@code http}, is tunnelled with
 * {@code CONNECT}, so TLS stays end to end. Without one, the JVM's standard proxy properties ({@code https.proxyHost},
 * {@code http.proxyHost}, {@code http.nonProxyHosts}, ...) apply. The password never appears in
 * {@link #toString()}.
 *
 * @param host     the proxy's host
 * @param port     its port
 * @param username for {@code Proxy-Authorization: Basic}, or null
 * @param password likewise, or null
 */
public record ProxySettings(String host, int port, String username, String password) {

    public ProxySettings {
        Objects.requireNonNull(host, "host");
        if (port <= 0 || port > 65535) {
            throw new IllegalArgumentException("proxy port " + port);
        }
        if ((username == null) != (password == null)) {
            throw new IllegalArgumentException("a proxy username needs its password, and a password its username");
        }
    }

    /** {@code http://[user:password@]host[:port]}; the port defaults to 8080 (3128 is also common: say it). */
    public static ProxySettings parse(String url) {
        URI uri = URI.create(url.contains("://") ? url : "http://" + url);
        if (!"http".equalsIgnoreCase(uri.getScheme()) || uri.getHost() == null) {
            throw new IllegalArgumentException("a proxy is http://host:port, got '" + url + "'");
        }
        String user = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            user = URLDecoder.decode(parts[0], StandardCharsets.UTF_8);
            password = parts.length > 1 ? URLDecoder.decode(parts[1], StandardCharsets.UTF_8) : "";
        }
        return new ProxySettings(uri.getHost(), uri.getPort() < 0 ? 8080 : uri.getPort(), user, password);
    }

    void configure(ProxyProvider.TypeSpec spec) {
        ProxyProvider.Builder builder = spec.type(ProxyProvider.Proxy.HTTP).host(host).port(port);
        if (username != null) {
            builder.username(username).password(u -> password);
        }
    }

    @Override
    public String toString() {
        return "ProxySettings[" + (username == null ? "" : username + ":(hidden)@") + host + ":" + port + "]";
    }
}
