package dev.flota.ota.http;

import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.List;
import java.util.Objects;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import reactor.util.Logger;
import reactor.util.Loggers;

/**
 * The TLS client context of one configuration, built once on first use: building one parses the PEMs and sets up the
 * TLS engine's state, so every update of a configuration shares it. TLS 1.2 or 1.3 only, with the JDK's default cipher
 * suites at most (the engine may be OpenSSL); the server's name is the URL's host unless a common name is set or the
 * check is skipped. It belongs to whoever holds it (an
 * {@code HttpsOta} and the copies made from it); nothing process-wide keeps it or its key alive.
 */
public final class TlsContext {

    private static final Logger LOG = Loggers.getLogger(TlsContext.class);

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
        SslContextBuilder builder = SslContextBuilder.forClient()
                .protocols(settings.minimumVersion().protocolsFromThisUp())
                .ciphers(jdkDefaultCipherSuites(), SupportedCipherSuiteFilter.INSTANCE);
        if (settings.checksUrlHost()) {
            if (settings.caPem() != null) {
                builder.trustManager(stream(settings.caPem()));
            }
        } else {
            if (settings.skipCommonNameCheck()) {
                LOG.warn("TLS: the server certificate's name is not checked (skip_cert_common_name_check): any "
                        + "server with a trusted certificate is accepted");
            }
            builder.trustManager(new ServerNameTrustManager(trustManager(settings.caPem()), settings.commonName()));
        }
        if (settings.clientCertPem() != null) {
            builder.keyManager(stream(settings.clientCertPem()), stream(settings.clientKeyPem()));
        }
        return builder.build();
    }

    /** What the JDK enables by default: no suite weaker than that is ever offered, whatever TLS engine runs. */
    static List<String> jdkDefaultCipherSuites() {
        try {
            return List.of(SSLContext.getDefault().getDefaultSSLParameters().getCipherSuites());
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no default TLS context", e);
        }
    }

    /** The PKIX trust manager for these PEM CAs (every certificate in the text), or the JDK's trust store. */
    private static X509TrustManager trustManager(String caPem) throws SSLException {
        try {
            KeyStore store = null;
            if (caPem != null) {
                store = KeyStore.getInstance(KeyStore.getDefaultType());
                store.load(null, null);
                int n = 0;
                for (Certificate ca : CertificateFactory.getInstance("X.509").generateCertificates(stream(caPem))) {
                    store.setCertificateEntry("ca-" + n++, ca);
                }
            }
            TrustManagerFactory factory = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            factory.init(store);
            for (TrustManager manager : factory.getTrustManagers()) {
                if (manager instanceof X509TrustManager x509) {
                    return x509;
                }
            }
            throw new SSLException("no X.509 trust manager");
        } catch (GeneralSecurityException | IOException e) {
            throw new SSLException("cannot read the CA certificates: " + e.getMessage(), e);
        }
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }

    @Override
    public String toString() {
        return "TlsContext[" + settings + "]";
    }
}
