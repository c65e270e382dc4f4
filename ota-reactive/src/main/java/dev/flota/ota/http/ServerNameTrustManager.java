package dev.flota.ota.http;

import java.io.IOException;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.est.jcajce.JsseDefaultHostnameAuthorizer;

/**
 * Trusts what {@code delegate} trusts, then checks the server certificate's name against a fixed name
 * ({@code common_name}) instead of the host the connection went to; with no name, checks no name at all
 * ({@code skip_cert_common_name_check}). Name matching (subject alternative names, then the subject's CN, with
 * wildcards) is Bouncy Castle's.
 */
final class ServerNameTrustManager extends X509ExtendedTrustManager {

    private final X509TrustManager delegate;
    private final String expectedName;

    /** @param expectedName the name to check, or null to check none */
    ServerNameTrustManager(X509TrustManager delegate, String expectedName) {
        this.delegate = delegate;
        this.expectedName = expectedName;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        delegate.checkServerTrusted(chain, authType);
        if (expectedName == null) {
            return;
        }
        boolean matches;
        try {
            matches = new JsseDefaultHostnameAuthorizer(null).verify(expectedName, chain[0]);
        } catch (IOException e) {
            throw new CertificateException("cannot read the server certificate's names: " + e.getMessage(), e);
        }
        if (!matches) {
            throw new CertificateException("the server certificate (" + chain[0].getSubjectX500Principal()
                    + ") is not for the common name '" + expectedName + "'");
        }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkServerTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
        throw new CertificateException("a client never trusts clients");
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
            throws CertificateException {
        checkClientTrusted(chain, authType);
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
        return delegate.getAcceptedIssuers();
    }
}
