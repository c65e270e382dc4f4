package dev.flota.ota.tls;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SelfSignedCertificatesTest {

    private static final SelfSignedCertificates CERTS = SelfSignedCertificates.generate(List.of("ota.example"));

    @Test
    void serverCertificateIsForLoopbackSignedByTheCa() throws Exception {
        X509Certificate ca = certificate(CERTS.caPem());
        X509Certificate server = certificate(CERTS.serverCertPem());

        server.verify(ca.getPublicKey());
        server.checkValidity();
        assertThat(ca.getBasicConstraints()).isEqualTo(0);
        assertThat(server.getBasicConstraints()).isEqualTo(-1);
        assertThat(server.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.1");
        assertThat(server.getSubjectAlternativeNames())
                .contains(List.of(7, "127.0.0.1"), List.of(2, "localhost"), List.of(2, "ota.example"));
    }

    @Test
    void clientCertificateIsForClientAuth() throws Exception {
        X509Certificate client = certificate(CERTS.clientCertPem());

        client.verify(certificate(CERTS.caPem()).getPublicKey());
        assertThat(client.getExtendedKeyUsage()).containsExactly("1.3.6.1.5.5.7.3.2");
    }

    @Test
    void keysArePkcs8MatchingTheirCertificates() throws Exception {
        assertThat(CERTS.serverKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
        assertMatches(CERTS.serverKeyPem(), CERTS.serverCertPem());
        assertMatches(CERTS.clientKeyPem(), CERTS.clientCertPem());
    }

    @Test
    void eachGenerationIsANewCa() {
        assertThat(SelfSignedCertificates.generate().caPem()).isNotEqualTo(CERTS.caPem());
    }

    @Test
    void writesPemFiles(@TempDir Path dir) throws Exception {
        SelfSignedCertificates.PemFiles files = CERTS.writeTo(dir.resolve("certs"));

        assertThat(files.ca()).hasContent(CERTS.caPem().strip());
        assertThat(Files.readString(files.serverKey())).isEqualTo(CERTS.serverKeyPem());
        assertThat(Files.readString(files.clientCert())).isEqualTo(CERTS.clientCertPem());
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(files.clientKey())))
                .isEqualTo("rw-------");
    }

    private static void assertMatches(String keyPem, String certPem) throws Exception {
        String base64 = keyPem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        var key = KeyFactory.getInstance("EC")
                .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
        Signature signer = Signature.getInstance("SHA256withECDSA");
        signer.initSign(key);
        signer.update(new byte[] {1, 2, 3});
        byte[] signature = signer.sign();
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(certificate(certPem).getPublicKey());
        verifier.update(new byte[] {1, 2, 3});
        assertThat(verifier.verify(signature)).isTrue();
    }

    static X509Certificate certificate(String pem) throws Exception {
        return (X509Certificate) CertificateFactory.getInstance("X.509")
                .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
    }
}
