package dev.flota.flash.secureboot;

import dev.flota.flash.secureboot.SignatureBlockException.Reason;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * An RSA-PSS-3072 signature block (version 2): digest at 4, modulus, exponent, {@code rinv} and {@code mdash} at
 * 36..811 (all little-endian), the signature little-endian at 812.
 *
 * @param imageDigest    the SHA-256 image digest the block claims
 * @param key            the signer's key
 * @param rawKeyPart     bytes 36..811 as stored; the device hashes these to decide whether the key is trusted
 * @param signatureBytes the RSA signature, big-endian
 */
public record RsaSignatureBlock(byte[] imageDigest, SecureBootKey key, byte[] rawKeyPart, byte[] signatureBytes)
        implements SignatureBlock {

    private static final int DIGEST_AT = 4;
    private static final int KEY_AT = 36;
    private static final int SIGNATURE_AT = 812;
    private static final int SIGNATURE_SIZE = 384;

    /** A block for a fresh signature; {@code rinv} and {@code mdash} are computed from the modulus. */
    public static RsaSignatureBlock of(byte[] imageDigest, SecureBootKey key, byte[] signature) {
        if (key.scheme() != SignatureScheme.RSA_3072 || imageDigest.length != 32 || signature.length != SIGNATURE_SIZE) {
            throw new IllegalArgumentException("RSA-3072 block needs a 32-byte digest and a 384-byte signature");
        }
        return new RsaSignatureBlock(imageDigest.clone(), key, key.keyPart(), signature.clone());
    }

    static RsaSignatureBlock parseBody(byte[] bytes, int offset) {
        BigInteger modulus = LittleEndian.read(bytes, offset + KEY_AT, 384);
        BigInteger exponent = LittleEndian.read(bytes, offset + KEY_AT + 384, 4);
        SecureBootKey key;
        try {
            key = SecureBootKey.rsa(modulus, exponent);
        } catch (IllegalArgumentException e) {
            throw new SignatureBlockException(Reason.MALFORMED, "RSA signature block: " + e.getMessage());
        }
        byte[] signature = LittleEndian.bigEndian(LittleEndian.read(bytes, offset + SIGNATURE_AT, SIGNATURE_SIZE),
                SIGNATURE_SIZE);
        return new RsaSignatureBlock(Arrays.copyOfRange(bytes, offset + DIGEST_AT, offset + KEY_AT), key,
                Arrays.copyOfRange(bytes, offset + KEY_AT, offset + SIGNATURE_AT), signature);
    }

    @Override
    public SignatureScheme scheme() {
        return SignatureScheme.RSA_3072;
    }

    @Override
    public byte[] keyDigest() {
        return SignatureBlock.sha256(rawKeyPart, 0, rawKeyPart.length);
    }

    @Override
    public byte[] encode() {
        byte[] block = new byte[SIZE];
        block[0] = (byte) MAGIC;
        block[1] = (byte) SignatureScheme.RSA_3072.blockVersion();
        System.arraycopy(imageDigest, 0, block, DIGEST_AT, 32);
        System.arraycopy(rawKeyPart, 0, block, KEY_AT, SecureBootKey.RSA_KEY_PART);
        LittleEndian.write(new BigInteger(1, signatureBytes), block, SIGNATURE_AT, SIGNATURE_SIZE);
        return SignatureBlock.sealed(block);
    }
}
