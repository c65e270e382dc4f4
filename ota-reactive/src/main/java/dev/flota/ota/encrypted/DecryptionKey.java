package dev.flota.ota.encrypted;

import dev.flota.flash.keys.PemKeys;
import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateKey;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.generators.PKCS5S2ParametersGenerator;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The device's key for pre-encrypted images: an RSA-3072 private key (RSA scheme) or a P-256 private key (ECC
 * scheme), the latter possibly derived from the 32-byte HMAC key a real device keeps in eFuse.
 */
public sealed interface DecryptionKey permits RsaDecryptionKey, EccDecryptionKey {

    /** The fixed PBKDF2 salt of {@code esp_encrypted_img}'s HMAC-based key derivation. */
    byte[] HMAC_DERIVATION_SALT = java.util.HexFormat.of()
            .parseHex("0e2160642dae76d33448e43d7720123d9f3b1eceb88e573a4e8f7fb94ff0c869");
    int HMAC_DERIVATION_ITERATIONS = 2048;

    EncryptionScheme scheme();

    /** Recovers the AES-256 key of an image from its header. */
    byte[] aesKey(EncryptedImageHeader header);

    /** An RSA-3072 or P-256 private key in PKCS#1, PKCS#8 or SEC1 PEM. */
    static DecryptionKey fromPem(String pem) {
        return of(PemKeys.privateKey(pem));
    }

    static DecryptionKey of(PrivateKey key) {
        if (key instanceof RSAPrivateKey rsa) {
            return new RsaDecryptionKey(rsa);
        }
        if (key instanceof ECPrivateKey ec) {
            return EccDecryptionKey.of(ec.getS());
        }
        throw new IllegalArgumentException("pre-encrypted images use RSA-3072 or P-256 keys, got " + key.getAlgorithm());
    }

    /**
     * The P-256 key a device derives from the 32-byte HMAC key in its eFuse: d = PBKDF2-HMAC-SHA256(hmacKey, fixed
     * salt, 2048 iterations, 32 bytes), used as is (no reduction), so it must already be a valid scalar.
     */
    static EccDecryptionKey fromHmacKey(byte[] hmacKey) {
        if (hmacKey.length != 32) {
            throw new IllegalArgumentException("the HMAC key is 32 bytes, got " + hmacKey.length);
        }
        PKCS5S2ParametersGenerator pbkdf2 = new PKCS5S2ParametersGenerator(new SHA256Digest());
        pbkdf2.init(hmacKey, HMAC_DERIVATION_SALT, HMAC_DERIVATION_ITERATIONS);
        byte[] d = ((KeyParameter) pbkdf2.generateDerivedMacParameters(256)).getKey();
        return EccDecryptionKey.of(new BigInteger(1, d));
    }
}
