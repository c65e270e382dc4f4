package dev.flota.ota.encrypted;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Arrays;
import javax.crypto.Cipher;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.math.ec.ECPoint;
import org.bouncycastle.util.BigIntegers;

/**
 * Writes a pre-encrypted image as {@code esp_enc_img_gen.py encrypt} does: a fresh AES-256 key and 16-byte IV, the
 * key wrapped with RSA (PKCS#1 v1.5) or agreed by ECIES with a fresh server key and salt, AES-GCM over the image, no
 * AAD, and zeroed reserved bytes.
 */
public final class ImageEncryptor {

    private ImageEncryptor() {
    }

    public static byte[] encrypt(byte[] plaintext, EncryptionKey key) {
        return encrypt(plaintext, key, new SecureRandom());
    }

    static byte[] encrypt(byte[] plaintext, EncryptionKey key, SecureRandom random) {
        byte[] iv = new byte[16];
        random.nextBytes(iv);
        return encrypt(plaintext, key, random, iv);
    }

    static byte[] encrypt(byte[] plaintext, EncryptionKey key, SecureRandom random, byte[] iv) {
        byte[] aesKey = new byte[32];
        byte[] keyMaterial = new byte[EncryptedImageHeader.KEY_SIZE];
        try {
            if (key.scheme() == EncryptionScheme.RSA_3072) {
                random.nextBytes(aesKey);
                Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
                rsa.init(Cipher.ENCRYPT_MODE, key.rsa(), random);
                byte[] wrapped = rsa.doFinal(aesKey);
                System.arraycopy(wrapped, 0, keyMaterial, 0, wrapped.length);
            } else {
                BigInteger ephemeral = BigIntegers.createRandomInRange(BigInteger.ONE,
                        EccDecryptionKey.P256.getN().subtract(BigInteger.ONE), random);
                ECPoint serverPoint = EccDecryptionKey.DOMAIN.getG().multiply(ephemeral).normalize();
                byte[] salt = new byte[32];
                random.nextBytes(salt);
                aesKey = EccDecryptionKey.deriveAesKey(ephemeral, key.point(), salt);
                System.arraycopy(BigIntegers.asUnsignedByteArray(32, serverPoint.getAffineXCoord().toBigInteger()), 0,
                        keyMaterial, 0, 32);
                System.arraycopy(BigIntegers.asUnsignedByteArray(32, serverPoint.getAffineYCoord().toBigInteger()), 0,
                        keyMaterial, 32, 32);
                System.arraycopy(salt, 0, keyMaterial, 64, 32);
            }
            Cipher gcm = Cipher.getInstance("AES/GCM/NoPadding");
            gcm.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(aesKey, "AES"), new GCMParameterSpec(128, iv));
            byte[] sealed = gcm.doFinal(plaintext);
            byte[] tag = Arrays.copyOfRange(sealed, plaintext.length, sealed.length);
            byte[] header = EncryptedImageHeader.of(keyMaterial, iv, plaintext.length, tag).encode();
            byte[] out = Arrays.copyOf(header, header.length + plaintext.length);
            System.arraycopy(sealed, 0, out, header.length, plaintext.length);
            return out;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("encryption failed", e);
        }
    }
}
