package dev.flota.ota.http;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import javax.net.ssl.SSLException;

/**
 * How the client trusts servers and proves itself: a PEM root CA (like {@code cert_pem}) or the JDK trust store (the
 * "certificate bundle"), and an optional client certificate and key for mutual TLS. Hostname verification stays on.
 *
 * @param caPem         trusted root CA(s) in PEM, or null for the JDK trust store
 * @param clientCertPem client certificate chain in PEM, or null
 * @param clientKeyPem  client private key in PKCS#8 PEM, or null
 */
public record TlsSettings(String caPem, String clientCertPem, String clientKeyPem) {

    public static TlsSettings jdkTrustStore() {
        return new TlsSettings(null, null, null);
    }

    public TlsSettings {
        if ((clientCertPem == null) != (clientKeyPem == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
    }

    /** One context per distinct settings: building one parses the PEMs and sets up the TLS engine's state. */
    private static final java.util.Map<TlsSettings, SslContext> CONTEXTS = new java.util.concurrent.ConcurrentHashMap<>();

    SslContext sslContext() throws SSLException {
        SslContext cached = CONTEXTS.get(this);
        if (cached != null) {
            return cached;
        }
        SslContext built = build();
        SslContext raced = CONTEXTS.putIfAbsent(this, built);
        return raced != null ? raced : built;
    }

    private SslContext build() throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (caPem != null) {
            builder.trustManager(stream(caPem));
        }
        if (clientCertPem != null) {
            builder.keyManager(stream(clientCertPem), stream(clientKeyPem));
        }
        return builder.build();
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
