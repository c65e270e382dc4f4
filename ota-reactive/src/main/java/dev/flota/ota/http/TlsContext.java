package dev.flota.ota.http;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import javax.net.ssl.SSLException;

/**
 * The TLS client context of one configuration, built once on first use: building one parses the PEMs and sets up the
 * TLS engine's state, so every update of a configuration shares it. It belongs to whoever holds it (an
 * {@code HttpsOta} and the copies made from it); nothing process-wide keeps it or its key alive.
 */
public final class TlsContext {

    private final TlsSettings settings;
    private volatile SslContext built;

    private TlsContext(TlsSettings settings) {
        this.settings = Objects.requireNonNull(settings, "settings");
    }

    public static TlsContext of(TlsSettings settings) {
        return new TlsContext(settings);
    }

    public TlsSettings settings() {
        return settings;
    }

    SslContext sslContext() throws SSLException {
        SslContext context = built;
        if (context == null) {
            synchronized (this) {
                context = built;
                if (context == null) {
                    context = build();
                    built = context;
                }
            }
        }
        return context;
    }

    private SslContext build() throws SSLException {
        SslContextBuilder builder = SslContextBuilder.forClient();
        if (settings.caPem() != null) {
            builder.trustManager(stream(settings.caPem()));
        }
        if (settings.clientCertPem() != null) {
            builder.keyManager(stream(settings.clientCertPem()), stream(settings.clientKeyPem()));
        }
        return builder.build();
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "TlsContext[" + settings + "]";
    }
}
