package dev.flota.flash.keys;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;
import java.security.PublicKey;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.asn1.pkcs.RSAPublicKey;

/**
 * Reads the PEM keys Espressif's tools write and accept: PKCS#1 ({@code RSA PRIVATE KEY}, {@code RSA PUBLIC KEY}),
 * PKCS#8 ({@code PRIVATE KEY}), SEC1 ({@code EC PRIVATE KEY}) and X.509 SubjectPublicKeyInfo ({@code PUBLIC KEY}),
 * for every curve the ESP chips use (including P-192, which JDK 17 no longer provides). Bouncy Castle is used as a
 * provider instance, never registered globally.
 */
public final class PemKeys {

    private static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();

    private PemKeys() {
    }

    /** The private key in {@code pem}. */
    public static PrivateKey privateKey(String pem) {
        Object object = read(pem);
        JcaPEMKeyConverter converter = converter();
        try {
            if (object instanceof PEMKeyPair pair) {
                return converter.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (object instanceof PrivateKeyInfo info) {
                return converter.getPrivateKey(info);
            }
        } catch (IOException e) {
            throw new KeyFormatException("cannot decode the private key: " + e.getMessage(), e);
        }
        throw new KeyFormatException("PEM holds no private key (found " + describe(object) + ")");
    }

    /** The public key in {@code pem}; for a private-key PEM, the public key that goes with it, when it is stored. */
    public static PublicKey publicKey(String pem) {
        Object object = read(pem);
        JcaPEMKeyConverter converter = converter();
        try {
            if (object instanceof SubjectPublicKeyInfo info) {
                return converter.getPublicKey(info);
            }
            if (object instanceof RSAPublicKey rsa) {
                return converter.getPublicKey(new SubjectPublicKeyInfo(
                        new org.bouncycastle.asn1.x509.AlgorithmIdentifier(
                                org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers.rsaEncryption,
                                org.bouncycastle.asn1.DERNull.INSTANCE), rsa));
            }
            if (object instanceof PEMKeyPair pair && pair.getPublicKeyInfo() != null) {
                return converter.getPublicKey(pair.getPublicKeyInfo());
            }
        } catch (IOException e) {
            throw new KeyFormatException("cannot decode the public key: " + e.getMessage(), e);
        }
        throw new KeyFormatException("PEM holds no public key (found " + describe(object) + ")");
    }

    /** True when the PEM holds a private key (of any supported encoding). */
    public static boolean isPrivate(String pem) {
        Object object = read(pem);
        return object instanceof PEMKeyPair || object instanceof PrivateKeyInfo;
    }

    private static Object read(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            if (object == null) {
                throw new KeyFormatException("no PEM block found");
            }
            return object;
        } catch (IOException | RuntimeException e) {
            if (e instanceof KeyFormatException k) {
                throw k;
            }
            throw new KeyFormatException("malformed PEM: " + e.getMessage(), e);
        }
    }

    private static JcaPEMKeyConverter converter() {
        return new JcaPEMKeyConverter().setProvider(PROVIDER);
    }

    private static String describe(Object object) {
        return object.getClass().getSimpleName();
    }
}
