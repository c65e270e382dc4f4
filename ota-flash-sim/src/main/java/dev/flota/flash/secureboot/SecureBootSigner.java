package dev.flota.flash.secureboot;

import java.math.BigInteger;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import org.bouncycastle.crypto.CryptoException;
import org.bouncycastle.crypto.digests.SHA256Digest;
import org.bouncycastle.crypto.digests.SHA384Digest;
import org.bouncycastle.crypto.engines.RSABlindedEngine;
import org.bouncycastle.crypto.params.ECPrivateKeyParameters;
import org.bouncycastle.crypto.params.ParametersWithRandom;
import org.bouncycastle.crypto.params.RSAPrivateCrtKeyParameters;
import org.bouncycastle.crypto.signers.ECDSASigner;
import org.bouncycastle.crypto.signers.HMacDSAKCalculator;
import org.bouncycastle.crypto.signers.PSSSigner;

/**
 * A Secure Boot V2 signing key: makes the signature block {@code espsecure sign-data --version 2} makes for a digest.
 * RSA-PSS is randomised (fresh salt each time); ECDSA uses deterministic nonces (RFC 6979), so its blocks repeat.
 */
public final class SecureBootSigner {

    private final SecureBootKey publicKey;
    private final RSAPrivateCrtKeyParameters rsa;
    private final BigInteger ecPrivate;

    private SecureBootSigner(SecureBootKey publicKey, RSAPrivateCrtKeyParameters rsa, BigInteger ecPrivate) {
        this.publicKey = publicKey;
        this.rsa = rsa;
        this.ecPrivate = ecPrivate;
    }

    /** An RSA-3072 private key with CRT parameters, or an EC private key on P-192, P-256 or P-384. */
    public static SecureBootSigner from(PrivateKey key) {
        if (key instanceof RSAPrivateCrtKey k) {
            SecureBootKey pub = SecureBootKey.rsa(k.getModulus(), k.getPublicExponent());
            return new SecureBootSigner(pub, new RSAPrivateCrtKeyParameters(k.getModulus(), k.getPublicExponent(),
                    k.getPrivateExponent(), k.getPrimeP(), k.getPrimeQ(), k.getPrimeExponentP(),
                    k.getPrimeExponentQ(), k.getCrtCoefficient()), null);
        }
        if (key instanceof ECPrivateKey k) {
            SignatureScheme scheme = SecureBootKey.schemeOf(k.getParams());
            var q = SecureBootKey.domain(scheme).getG().multiply(k.getS()).normalize();
            SecureBootKey pub = SecureBootKey.ecdsa(scheme, q.getAffineXCoord().toBigInteger(),
                    q.getAffineYCoord().toBigInteger());
            return new SecureBootSigner(pub, null, k.getS());
        }
        throw new IllegalArgumentException("Secure Boot V2 signs with RSA-3072 (with CRT parameters) or ECDSA keys, got "
                + key.getAlgorithm());
    }

    public SecureBootKey publicKey() {
        return publicKey;
    }

    public SignatureScheme scheme() {
        return publicKey.scheme();
    }

    /** Signs an image digest ({@link SignatureScheme#digestSize()} bytes) and wraps it in a block. */
    public SignatureBlock sign(byte[] imageDigest) {
        SignatureScheme scheme = scheme();
        if (imageDigest.length != scheme.digestSize()) {
            throw new IllegalArgumentException(scheme + " signs a " + scheme.digestSize() + "-byte digest");
        }
        if (rsa != null) {
            PSSSigner pss = PSSSigner.createRawSigner(new RSABlindedEngine(), new SHA256Digest(), new SHA256Digest(),
                    SecureBootKey.RSA_SALT_LENGTH, PSSSigner.TRAILER_IMPLICIT);
            pss.init(true, new ParametersWithRandom(rsa, new SecureRandom()));
            pss.update(imageDigest, 0, imageDigest.length);
            try {
                return RsaSignatureBlock.of(imageDigest, publicKey, pss.generateSignature());
            } catch (CryptoException e) {
                throw new IllegalStateException("RSA-PSS signing failed", e);
            }
        }
        ECDSASigner ecdsa = new ECDSASigner(new HMacDSAKCalculator(
                scheme == SignatureScheme.ECDSA_P384 ? new SHA384Digest() : new SHA256Digest()));
        ecdsa.init(true, new ECPrivateKeyParameters(ecPrivate, SecureBootKey.domain(scheme)));
        BigInteger[] rs = ecdsa.generateSignature(imageDigest);
        int size = scheme.componentSize();
        byte[] signature = new byte[2 * size];
        System.arraycopy(LittleEndian.bigEndian(rs[0], size), 0, signature, 0, size);
        System.arraycopy(LittleEndian.bigEndian(rs[1], size), 0, signature, size, size);
        return EcdsaSignatureBlock.of(imageDigest, publicKey, signature);
    }
}
