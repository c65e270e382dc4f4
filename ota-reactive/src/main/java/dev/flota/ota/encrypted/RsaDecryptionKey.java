package dev.flota.ota.encrypted;

import java.security.GeneralSecurityException;
import java.security.interfaces.RSAPrivateKey;
import javax.crypto.Cipher;

/** RSA scheme: the AES key is the RSAES-PKCS1-v1_5 decryption (not OAEP) of the header's 384 key bytes. */
public record RsaDecryptionKey(RSAPrivateKey privateKey) implements DecryptionKey {

    public RsaDecryptionKey {
        if (privateKey.getModulus().bitLength() != 3072) {
            throw new IllegalArgumentException("the RSA scheme uses 3072-bit keys, got "
                    + privateKey.getModulus().bitLength());
        }
    }

    @Override
    public EncryptionScheme scheme() {
        return EncryptionScheme.RSA_3072;
    }

    @Override
    public byte[] aesKey(EncryptedImageHeader header) {
        byte[] key;
        try {
            Cipher rsa = Cipher.getInstance("RSA/ECB/PKCS1Padding");
            rsa.init(Cipher.DECRYPT_MODE, privateKey);
            key = rsa.doFinal(header.keyMaterial());
        } catch (GeneralSecurityException e) {
            throw new DecryptException(DecryptError.KEY_UNWRAP_FAILED,
                    "the AES key does not unwrap with this RSA key (wrong key or damaged header)", e);
        }
        if (key.length != 32) {
            throw new DecryptException(DecryptError.KEY_UNWRAP_FAILED,
                    "the unwrapped AES key is " + key.length + " bytes, expected 32");
        }
        return key;
    }

    @Override
    public String toString() {
        return "RsaDecryptionKey[RSA-3072, private key hidden]";
    }
}
