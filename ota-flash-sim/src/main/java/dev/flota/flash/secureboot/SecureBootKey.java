package dev.flota.flash.secureboot;

import java.math.BigInteger;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.security.interfaces.RSAPublicKey;
import java.security.spec.ECFieldFp;
import java.util.Arrays;
import java.util.HexFormat;
import org.bouncycastle.asn1.x9.ECNamedCurveTable;
import org.bouncycastle.asn1.x9.X9ECParameters;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.ECDomainParameters;
import org.bouncycastle.crypto.params.ECPublicKeyParameters;
import org.bouncycastle.crypto.params.RSAKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.PSSSigner;
import org.bouncycastle.math.ec.ECPoint;

/**
 * A Secure Boot V2 public key in the form the device sees it: the key part of a signature block, its SHA-256
 * {@link #digest() digest} (what eFuse or the running app trusts), and signature verification exactly as the device
 * does it: RSA-PSS with SHA-256, MGF1-SHA-256 and a 32-byte salt over the image digest, or ECDSA over the digest.
 */
public final class SecureBootKey {

    static final int RSA_KEY_PART = 384 + 4 + 384 + 4;
    static final int RSA_SALT_LENGTH = 32;
    private static final BigInteger RINV_BASE = BigInteger.TWO.pow(6144);
    private static final BigInteger TWO_32 = BigInteger.TWO.pow(32);

    private final SignatureScheme scheme;
    private final BigInteger modulus;
    private final BigInteger exponent;
    private final ECPoint point;
    private final byte[] keyPart;

    private SecureBootKey(SignatureScheme scheme, BigInteger modulus, BigInteger exponent, ECPoint point) {
        this.scheme = scheme;
        this.modulus = modulus;
        this.exponent = exponent;
        this.point = point;
        this.keyPart = scheme.isEcdsa() ? ecKeyPart() : rsaKeyPart();
    }

    /** An RSA-3072 key; the modulus must be exactly 3072 bits and the exponent fit 32 bits, as the block requires. */
    public static SecureBootKey rsa(BigInteger modulus, BigInteger exponent) {
        if (modulus.bitLength() != 3072 || !modulus.testBit(0)) {
            throw new IllegalArgumentException("Secure Boot V2 RSA keys are 3072-bit, got " + modulus.bitLength());
        }
        if (exponent.signum() <= 0 || exponent.bitLength() > 32) {
            throw new IllegalArgumentException("RSA public exponent must fit 32 bits");
        }
        return new SecureBootKey(SignatureScheme.RSA_3072, modulus, exponent, null);
    }

    /** An ECDSA key on the scheme's curve; the point must lie on it. */
    public static SecureBootKey ecdsa(SignatureScheme scheme, BigInteger x, BigInteger y) {
        if (!scheme.isEcdsa()) {
            throw new IllegalArgumentException(scheme + " is not an ECDSA scheme");
        }
        ECPoint point;
        try {
            point = curve(scheme).getCurve().createPoint(x, y);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("public key point is not on " + scheme.curveName(), e);
        }
        if (!point.isValid()) {
            throw new IllegalArgumentException("public key point is not on " + scheme.curveName());
        }
        return new SecureBootKey(scheme, null, null, point.normalize());
    }

    /** Converts a JCA public key (RSA-3072, or EC on P-192, P-256 or P-384). */
    public static SecureBootKey from(PublicKey key) {
        if (key instanceof RSAPublicKey rsa) {
            return rsa(rsa.getModulus(), rsa.getPublicExponent());
        }
        if (key instanceof ECPublicKey ec) {
            return ecdsa(schemeOf(ec.getParams()), ec.getW().getAffineX(), ec.getW().getAffineY());
        }
        throw new IllegalArgumentException("Secure Boot V2 needs an RSA or EC key, got " + key.getAlgorithm());
    }

    /** Which Secure Boot scheme uses the NIST curve of these parameters. */
    static SignatureScheme schemeOf(java.security.spec.ECParameterSpec params) {
        if (params.getCurve().getField() instanceof ECFieldFp field) {
            for (SignatureScheme scheme : SignatureScheme.values()) {
                if (scheme.isEcdsa() && curve(scheme).getCurve().getField().getCharacteristic().equals(field.getP())
                        && curve(scheme).getN().equals(params.getOrder())) {
                    return scheme;
                }
            }
        }
        throw new IllegalArgumentException("Secure Boot V2 supports ECDSA on P-192, P-256 and P-384 only");
    }

    static X9ECParameters curve(SignatureScheme scheme) {
        return ECNamedCurveTable.getByName(scheme.curveName());
    }

    static ECDomainParameters domain(SignatureScheme scheme) {
        X9ECParameters p = curve(scheme);
        return new ECDomainParameters(p.getCurve(), p.getG(), p.getN(), p.getH());
    }

    public SignatureScheme scheme() {
        return scheme;
    }

    /** SHA-256 of the key part: what {@code espsecure digest-sbv2-public-key} writes. */
    public byte[] digest() {
        return SignatureBlock.sha256(keyPart, 0, keyPart.length);
    }

    public String digestHex() {
        return HexFormat.of().formatHex(digest());
    }

    /** The key as it is laid out in a signature block (776 bytes for RSA, 65 or 97 for ECDSA). */
    public byte[] keyPart() {
        return keyPart.clone();
    }

    /** True when {@code signature} (big-endian, see {@link SignatureBlock#signatureBytes()}) signs {@code digest}. */
    public boolean verify(byte[] digest, byte[] signature) {
        if (digest.length != scheme.digestSize()) {
            return false;
        }
        if (!scheme.isEcdsa()) {
            PSSSigner pss = PSSSigner.createRawSigner(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(),
                    RSA_SALT_LENGTH, PSSSigner.TRAILER_IMPLICIT);
            pss.init(false, new RSAKeyParameters(false, modulus, exponent));
            pss.update(digest, 0, digest.length);
            return pss.verifySignature(signature);
        }
        int half = scheme.componentSize();
        if (signature.length != 2 * half) {
            return false;
        }
        BigInteger r = new BigInteger(1, Arrays.copyOfRange(signature, 0, half));
        BigInteger s = new BigInteger(1, Arrays.copyOfRange(signature, half, 2 * half));
        ECDSASigner ecdsa = new ECDSASigner();
        ecdsa.init(false, new ECPublicKeyParameters(point, domain(scheme)));
        return ecdsa.verifySignature(digest, r, s);
    }

    BigInteger modulus() {
        return modulus;
    }

    BigInteger exponent() {
        return exponent;
    }

    ECPoint point() {
        return point;
    }

    private byte[] rsaKeyPart() {
        byte[] part = new byte[RSA_KEY_PART];
        LittleEndian.write(modulus, part, 0, 384);
        LittleEndian.write(exponent, part, 384, 4);
        LittleEndian.write(RINV_BASE.mod(modulus), part, 388, 384);
        LittleEndian.write(TWO_32.subtract(modulus.modInverse(TWO_32)).mod(TWO_32), part, 772, 4);
        return part;
    }

    private byte[] ecKeyPart() {
        int size = scheme.componentSize();
        byte[] part = new byte[1 + (scheme == SignatureScheme.ECDSA_P384 ? 96 : 64)];
        part[0] = (byte) scheme.curveId();
        LittleEndian.write(point.getAffineXCoord().toBigInteger(), part, 1, size);
        LittleEndian.write(point.getAffineYCoord().toBigInteger(), part, 1 + size, size);
        return part;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof SecureBootKey key && Arrays.equals(keyPart, key.keyPart);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(keyPart);
    }

    @Override
    public String toString() {
        return scheme + " key " + digestHex();
    }
}
