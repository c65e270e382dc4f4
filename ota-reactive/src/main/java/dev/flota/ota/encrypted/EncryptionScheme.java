package dev.flota.ota.encrypted;

/**
 * The two wire formats of {@code esp_encrypted_img} 2.7: the AES key wrapped with RSA-3072 (RSAES-PKCS1-v1_5), or
 * derived by ECIES on P-256 with HKDF-SHA256. The file does not say which; the device's key decides.
 */
public enum EncryptionScheme {
    RSA_3072, ECC_256
}
