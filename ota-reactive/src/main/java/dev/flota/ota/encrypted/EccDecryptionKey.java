package dev.flota.ota.encrypted;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import org.bouncycastle.crypto.ec.CustomNamedCurves;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.agreement.ECDHBasicAgreement;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.HKDFBytesGenerator;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.HKDFParameters;
import org.bouncycastle.math.ec.ECPoint;

/**
 * ECC scheme (ECIES): the AES key is HKDF-SHA256 of the ECDH secret between the device key and the server's ephemeral
 * P-256 point in the header, with the header's salt and the info {@code _esp_enc_img_ecc}.
 *
 * @param d the device's private scalar, 1 &lt;= d &lt; n
 */
public record EccDecryptionKey(BigInteger d) implements DecryptionKey {

    static final X9ECParameters P256 = CustomNamedCurves.getByName("P-256");
    static final ECDomainParameters DOMAIN = new ECDomainParameters(P256.getCurve(), P256.getG(), P256.getN(),
            P256.getH());
    static final byte[] HKDF_INFO = "_esp_enc_img_ecc".getBytes(StandardCharsets.US_ASCII);

    public EccDecryptionKey {
        if (d.signum() <= 0 || d.compareTo(P256.getN()) >= 0) {
            throw new DecryptException(DecryptError.KEY_DERIVATION_FAILED,
                    "the device key is not a valid P-256 private key (d must be in [1, n-1])");
        }
    }

    static EccDecryptionKey of(BigInteger d) {
        return new EccDecryptionKey(d);
    }

    /** The public point d*G, X then Y big-endian: what {@code esp_enc_img_gen.py} writes as the device public key. */
    public ECPoint publicPoint() {
        return DOMAIN.getG().multiply(d).normalize();
    }

    @Override
    public EncryptionScheme scheme() {
        return EncryptionScheme.ECC_256;
    }

    @Override
    public byte[] aesKey(EncryptedImageHeader header) {
        byte[] xy = header.serverPoint();
        ECPoint server;
        try {
            server = P256.getCurve().createPoint(new BigInteger(1, java.util.Arrays.copyOfRange(xy, 0, 32)),
                    new BigInteger(1, java.util.Arrays.copyOfRange(xy, 32, 64)));
            if (!server.isValid() || server.isInfinity()) {
                throw new IllegalArgumentException("not on the curve");
            }
        } catch (IllegalArgumentException e) {
            throw new DecryptException(DecryptError.INVALID_SERVER_KEY,
                    "the server key in the header is not a P-256 point", e);
        }
        return deriveAesKey(d, server, header.hkdfSalt());
    }

    static byte[] deriveAesKey(BigInteger privateScalar, ECPoint peer, byte[] salt) {
        ECDHBasicAgreement ecdh = new ECDHBasicAgreement();
        ecdh.init(new ECPrivateKeyParameters(privateScalar, DOMAIN));
        BigInteger shared = ecdh.calculateAgreement(new ECPublicKeyParameters(peer, DOMAIN));
        byte[] secret = org.bouncycastle.util.BigIntegers.asUnsignedByteArray(32, shared);
        HKDFBytesGenerator hkdf = new HKDFBytesGenerator(new SHA256Digest());
        hkdf.init(new HKDFParameters(secret, salt, HKDF_INFO));
        byte[] key = new byte[32];
        hkdf.generateBytes(key, 0, 32);
        return key;
    }

    @Override
    public String toString() {
        return "EccDecryptionKey[P-256, private scalar hidden]";
    }
}
