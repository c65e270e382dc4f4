package dev.flota.ota.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * A throw-away PKI made in memory: a CA, a server certificate for {@code 127.0.0.1} and {@code localhost} (plus any
 * extra names) and a client certificate for mutual TLS, all on EC P-256 and signed by the CA. For tests, the image
 * server and the demo, so HTTPS runs with hostname verification on and no certificate files in the repository.
 * Keys are PKCS#8 PEM, which both Netty and nginx read.
 */
public final class SelfSignedCertificates {

    /** Where {@link #writeTo(Path)} put the PEM files. */
    public record PemFiles(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {
    }

    private static final Pattern IP = Pattern.compile("[0-9.]+|.*:.*");
    private static final Duration VALIDITY = Duration.ofDays(365);

    private final String caPem;
    private final String serverCertPem;
    private final String serverKeyPem;
    private final String clientCertPem;
    private final String clientKeyPem;

    private SelfSignedCertificates(String caPem, String serverCertPem, String serverKeyPem, String clientCertPem,
            String clientKeyPem) {
        this.caPem = caPem;
        this.serverCertPem = serverCertPem;
        this.serverKeyPem = serverKeyPem;
        this.clientCertPem = clientCertPem;
        this.clientKeyPem = clientKeyPem;
    }

    /** A new CA with a server certificate for {@code 127.0.0.1}, {@code ::1} and {@code localhost}. */
    public static SelfSignedCertificates generate() {
        return generate(List.of());
    }

    /** Like {@link #generate()}, the server certificate also naming {@code extraServerNames} (DNS names or IPs). */
    public static SelfSignedCertificates generate(List<String> extraServerNames) {
        Objects.requireNonNull(extraServerNames, "extraServerNames");
        try {
            SecureRandom random = new SecureRandom();
            Instant now = Instant.now();
            KeyPair caKeys = keyPair(random);
            X500Name caName = new X500Name("CN=Flota test CA " + Long.toHexString(random.nextLong()));
            JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
            X509v3CertificateBuilder ca = builder(caName, caName, caKeys.getPublic(), now, random)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))
                    .addExtension(Extension.subjectKeyIdentifier, false,
                            ext.createSubjectKeyIdentifier(caKeys.getPublic()));
            X509Certificate caCert = sign(ca, caKeys.getPrivate());

            List<String> names = new ArrayList<>(List.of("127.0.0.1", "::1", "localhost"));
            names.addAll(extraServerNames);
            KeyPair serverKeys = keyPair(random);
            X509Certificate serverCert = sign(leaf(caCert, caName, new X500Name("CN=localhost"), serverKeys, now,
                    random, KeyPurposeId.id_kp_serverAuth)
                    .addExtension(Extension.subjectAlternativeName, false, altNames(names)), caKeys.getPrivate());

            KeyPair clientKeys = keyPair(random);
            X509Certificate clientCert = sign(leaf(caCert, caName, new X500Name("CN=flota-device"), clientKeys, now,
                    random, KeyPurposeId.id_kp_clientAuth), caKeys.getPrivate());

            return new SelfSignedCertificates(pem(caCert), pem(serverCert), pkcs8(serverKeys.getPrivate()),
                    pem(clientCert), pkcs8(clientKeys.getPrivate()));
        } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
            throw new IllegalStateException("cannot generate test certificates", e);
        }
    }

    /** The CA certificate, to trust (client side) or to verify client certificates with (server side). */
    public String caPem() {
        return caPem;
    }

    public String serverCertPem() {
        return serverCertPem;
    }

    /** The server's private key, PKCS#8 PEM. */
    public String serverKeyPem() {
        return serverKeyPem;
    }

    public String clientCertPem() {
        return clientCertPem;
    }

    /** The client's private key, PKCS#8 PEM. */
    public String clientKeyPem() {
        return clientKeyPem;
    }

    /**
     * Writes {@code ca.pem}, {@code server.pem}, {@code server.key}, {@code client.pem} and {@code client.key} into
     * {@code directory} (created when missing), the keys readable by the owner only where the file system allows.
     */
    public PemFiles writeTo(Path directory) {
        try {
            Files.createDirectories(directory);
            PemFiles files = new PemFiles(directory.resolve("ca.pem"), directory.resolve("server.pem"),
                    directory.resolve("server.key"), directory.resolve("client.pem"), directory.resolve("client.key"));
            write(files.ca(), caPem);
            write(files.serverCert(), serverCertPem);
            write(files.serverKey(), serverKeyPem);
            write(files.clientCert(), clientCertPem);
            write(files.clientKey(), clientKeyPem);
            return files;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write certificates to " + directory, e);
        }
    }

    private static void write(Path file, String pem) throws IOException {
        Files.writeString(file, pem, StandardCharsets.US_ASCII);
        if (file.getFileName().toString().endsWith(".key")) {
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException ignored) {
                // not a POSIX file system: the default permissions stay
            }
        }
    }

    private static KeyPair keyPair(SecureRandom random) throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), random);
        return generator.generateKeyPair();
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, PublicKey key, Instant now,
            SecureRandom random) {
        return new JcaX509v3CertificateBuilder(issuer, new BigInteger(64, random).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(VALIDITY)), subject, key);
    }

    private static X509v3CertificateBuilder leaf(X509Certificate caCert, X500Name caName, X500Name subject,
            KeyPair keys, Instant now, SecureRandom random, KeyPurposeId purpose)
            throws IOException, GeneralSecurityException {
        JcaX509ExtensionUtils ext = new JcaX509ExtensionUtils();
        return builder(caName, subject, keys.getPublic(), now, random)
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose))
                .addExtension(Extension.subjectKeyIdentifier, false, ext.createSubjectKeyIdentifier(keys.getPublic()))
                .addExtension(Extension.authorityKeyIdentifier, false, ext.createAuthorityKeyIdentifier(caCert));
    }

    private static GeneralNames altNames(List<String> names) {
        return new GeneralNames(names.stream()
                .map(n -> new GeneralName(IP.matcher(n).matches() ? GeneralName.iPAddress : GeneralName.dNSName, n))
                .toArray(GeneralName[]::new));
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, PrivateKey issuerKey)
            throws OperatorCreationException, GeneralSecurityException {
        ContentSigner signer = new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey);
        return new JcaX509CertificateConverter().getCertificate(builder.build(signer));
    }

    private static String pem(Object object) throws IOException {
        StringWriter text = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(text)) {
            writer.writeObject(object);
        }
        return text.toString();
    }

    private static String pkcs8(PrivateKey key) throws IOException {
        return pem(new JcaPKCS8Generator(key, null));
    }
}
