package dev.flota.ota.encrypted;

import dev.flota.flash.keys.PemKeys;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import org.bouncycastle.math.ec.ECPoint;

/**
 * The public key an image is encrypted for, as {@code esp_enc_img_gen.py encrypt} takes it: an RSA-3072 key gives the
 * RSA scheme, a P-256 key the ECC scheme.
 */
public final class EncryptionKey {

    private final RSAPublicKey rsa;
    private final ECPoint point;

    private EncryptionKey(RSAPublicKey rsa, ECPoint point) {
        this.rsa = rsa;
        this.point = point;
    }

    public static EncryptionKey fromPem(String pem) {
        return of(PemKeys.publicKey(pem));
    }

    public static EncryptionKey of(PublicKey key) {
        if (key instanceof RSAPublicKey r) {
            if (r.getModulus().bitLength() != 3072) {
                throw new IllegalArgumentException("the RSA scheme uses 3072-bit keys, got "
                        + r.getModulus().bitLength());
            }
            return new EncryptionKey(r, null);
        }
        if (key instanceof ECPublicKey ec) {
            ECPoint p = EccDecryptionKey.P256.getCurve().createPoint(ec.getW().getAffineX(), ec.getW().getAffineY());
            if (!p.isValid() || !EccDecryptionKey.P256.getN().equals(ec.getParams().getOrder())) {
                throw new IllegalArgumentException("the ECC scheme uses P-256 keys");
            }
            return new EncryptionKey(null, p);
        }
        throw new IllegalArgumentException("pre-encrypted images use RSA-3072 or P-256 keys, got " + key.getAlgorithm());
    }

    /** The device key of the ECC scheme, for images the device decrypts with {@code privateKey}. */
    public static EncryptionKey forDevice(EccDecryptionKey privateKey) {
        return new EncryptionKey(null, privateKey.publicPoint());
    }

    public EncryptionScheme scheme() {
        return rsa != null ? EncryptionScheme.RSA_3072 : EncryptionScheme.ECC_256;
    }

    RSAPublicKey rsa() {
        return rsa;
    }

    ECPoint point() {
        return point;
    }
}
