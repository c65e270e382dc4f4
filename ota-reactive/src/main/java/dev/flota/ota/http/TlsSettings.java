package dev.flota.ota.http;

import java.util.Objects;

/**
 * How the client trusts servers and proves itself: PEM root CA(s) (like {@code cert_pem}; a bundle may hold several,
 * e.g. one per server a redirect reaches) or the JDK trust store (the "certificate bundle"), an optional client
 * certificate and key for mutual TLS, the name the server certificate must carry, and the lowest TLS version.
 * The client key never appears in {@link #toString()}.
 *
 * @param caPem               trusted root CA(s) in PEM, or null for the JDK trust store
 * @param clientCertPem       client certificate chain in PEM, or null
 * @param clientKeyPem        client private key in PKCS#8 PEM, or null
 * @param commonName          verify the server certificate against this name instead of the URL's host
 *                            ({@code common_name}), or null
 * @param skipCommonNameCheck accept a trusted certificate whatever name it carries
 *                            ({@code skip_cert_common_name_check}); off by default, and a warning when used
 * @param minimumVersion      the lowest TLS version accepted
 */
public record TlsSettings(String caPem, String clientCertPem, String clientKeyPem, String commonName,
        boolean skipCommonNameCheck, TlsVersion minimumVersion) {

    public static TlsSettings jdkTrustStore() {
        return new TlsSettings(null, null, null, null, false, TlsVersion.TLS_1_2);
    }

    public TlsSettings {
        if ((clientCertPem == null) != (clientKeyPem == null)) {
            throw new IllegalArgumentException("a client certificate needs its key, and a key its certificate");
        }
        if (commonName != null && skipCommonNameCheck) {
            throw new IllegalArgumentException("a common name to check and skipping the check exclude each other");
        }
        Objects.requireNonNull(minimumVersion, "minimumVersion");
    }

    /** Trust and client certificate, with the URL's host checked and TLS 1.2 or newer. */
    public TlsSettings(String caPem, String clientCertPem, String clientKeyPem) {
        this(caPem, clientCertPem, clientKeyPem, null, false, TlsVersion.TLS_1_2);
    }

    public TlsSettings withCaPem(String pem) {
        return new TlsSettings(pem, clientCertPem, clientKeyPem, commonName, skipCommonNameCheck, minimumVersion);
    }

    public TlsSettings withClientCertificate(String certPem, String keyPem) {
        return new TlsSettings(caPem, certPem, keyPem, commonName, skipCommonNameCheck, minimumVersion);
    }

    public TlsSettings withCommonName(String name) {
        return new TlsSettings(caPem, clientCertPem, clientKeyPem, name, false, minimumVersion);
    }

    public TlsSettings withSkipCommonNameCheck(boolean skip) {
        return new TlsSettings(caPem, clientCertPem, clientKeyPem, skip ? null : commonName, skip, minimumVersion);
    }

    public TlsSettings withMinimumVersion(TlsVersion version) {
        return new TlsSettings(caPem, clientCertPem, clientKeyPem, commonName, skipCommonNameCheck, version);
    }

    /** Whether the server certificate's name is checked against the URL's host (not a fixed name, not skipped). */
    boolean checksUrlHost() {
        return commonName == null && !skipCommonNameCheck;
    }

    @Override
    public String toString() {
        return "TlsSettings[" + (caPem == null ? "JDK trust store" : "CA PEM of " + caPem.length() + " chars")
                + (clientCertPem == null ? "" : ", client certificate, key hidden")
                + (commonName == null ? "" : ", common name " + commonName)
                + (skipCommonNameCheck ? ", common name NOT checked" : "") + ", " + minimumVersion.protocol()
                + " or newer]";
    }
}
