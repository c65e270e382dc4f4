package dev.flota.flash.secureboot;

import dev.flota.flash.secureboot.SignatureBlockException.Reason;
import java.math.BigInteger;
import java.util.Arrays;

/**
 * An ECDSA signature block (version 3): {@code sha_version} at 2, the digest at 4, then {@code curve_id}, the point
 * X‖Y and the signature r‖s, each coordinate little-endian (P-192 values are zero-padded to the P-256 slot width).
 *
 * @param scheme         the curve
 * @param imageDigest    the image digest the block claims (SHA-256, or SHA-384 for P-384)
 * @param key            the signer's key
 * @param rawKeyPart     curve id and point as stored; the device hashes these to decide whether the key is trusted
 * @param signatureBytes r then s, each big-endian and {@link SignatureScheme#componentSize()} bytes
 */
public record EcdsaSignatureBlock(SignatureScheme scheme, byte[] imageDigest, SecureBootKey key, byte[] rawKeyPart,
        byte[] signatureBytes) implements SignatureBlock {

    private static final int DIGEST_AT = 4;

    public static EcdsaSignatureBlock of(byte[] imageDigest, SecureBootKey key, byte[] signature) {
        SignatureScheme scheme = key.scheme();
        if (!scheme.isEcdsa() || imageDigest.length != scheme.digestSize()
                || signature.length != 2 * scheme.componentSize()) {
            throw new IllegalArgumentException("ECDSA block needs a " + scheme.digestSize() + "-byte digest and a "
                    + 2 * scheme.componentSize() + "-byte r||s signature");
        }
        return new EcdsaSignatureBlock(scheme, imageDigest.clone(), key, key.keyPart(), signature.clone());
    }

    static EcdsaSignatureBlock parseBody(byte[] bytes, int offset) {
        int shaVersion = bytes[offset + 2] & 0xFF;
        int digestSize = shaVersion == 1 ? 48 : 32;
        int curveAt = offset + DIGEST_AT + digestSize;
        SignatureScheme scheme = SignatureScheme.ecdsaByCurveId(bytes[curveAt] & 0xFF);
        if (scheme == null || scheme.shaVersion() != shaVersion) {
            throw new SignatureBlockException(Reason.UNKNOWN_CURVE, String.format(
                    "ECDSA block curve_id %d with sha_version %d is not a known pairing", bytes[curveAt] & 0xFF,
                    shaVersion));
        }
        int size = scheme.componentSize();
        int pointWidth = scheme == SignatureScheme.ECDSA_P384 ? 96 : 64;
        int pointAt = curveAt + 1;
        int signatureAt = pointAt + pointWidth;
        SecureBootKey key;
        try {
            key = SecureBootKey.ecdsa(scheme, LittleEndian.read(bytes, pointAt, size),
                    LittleEndian.read(bytes, pointAt + size, size));
        } catch (IllegalArgumentException e) {
            throw new SignatureBlockException(Reason.MALFORMED, "ECDSA signature block: " + e.getMessage());
        }
        byte[] signature = new byte[2 * size];
        System.arraycopy(LittleEndian.bigEndian(LittleEndian.read(bytes, signatureAt, size), size), 0, signature, 0,
                size);
        System.arraycopy(LittleEndian.bigEndian(LittleEndian.read(bytes, signatureAt + size, size), size), 0,
                signature, size, size);
        return new EcdsaSignatureBlock(scheme, Arrays.copyOfRange(bytes, offset + DIGEST_AT, curveAt), key,
                Arrays.copyOfRange(bytes, curveAt, signatureAt), signature);
    }

    @Override
    public byte[] keyDigest() {
        return SignatureBlock.sha256(rawKeyPart, 0, rawKeyPart.length);
    }

    @Override
    public byte[] encode() {
        int size = scheme.componentSize();
        byte[] block = new byte[SIZE];
        block[0] = (byte) MAGIC;
        block[1] = (byte) scheme.blockVersion();
        block[2] = (byte) scheme.shaVersion();
        System.arraycopy(imageDigest, 0, block, DIGEST_AT, imageDigest.length);
        int curveAt = DIGEST_AT + imageDigest.length;
        System.arraycopy(rawKeyPart, 0, block, curveAt, rawKeyPart.length);
        int signatureAt = curveAt + rawKeyPart.length;
        LittleEndian.write(new BigInteger(1, Arrays.copyOfRange(signatureBytes, 0, size)), block, signatureAt, size);
        LittleEndian.write(new BigInteger(1, Arrays.copyOfRange(signatureBytes, size, 2 * size)), block,
                signatureAt + size, size);
        return SignatureBlock.sealed(block);
    }
}
