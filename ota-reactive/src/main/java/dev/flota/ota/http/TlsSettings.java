package dev.flota.ota.http;

/**
 * How the client trusts servers and proves itself: a PEM root CA (like {@code cert_pem}) or the JDK trust store (the
 * "certificate bundle"), and an optional client certificate and key for mutual TLS. Hostname verification stays on.
 * The client key never appears in {@link #toString()}.
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

    public TlsSettings withCaPem(String pem) {
        return new TlsSettings(pem, clientCertPem, clientKeyPem);
    }

    public TlsSettings withClientCertificate(String certPem, String keyPem) {
        return new TlsSettings(caPem, certPem, keyPem);
    }

    @Override
    public String toString() {
        return "TlsSettings[" + (caPem == null ? "JDK trust store" : "CA PEM of " + caPem.length() + " chars")
                + (clientCertPem == null ? "" : ", client certificate, key hidden") + "]";
    }
}
