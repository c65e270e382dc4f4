package dev.flota.flash.secureboot;

/**
 * The Secure Boot V2 signature schemes: RSA-PSS-3072 (block version 2) and ECDSA on P-192, P-256 and P-384 (block
 * version 3, with {@code curve_id} 1, 2, 3). P-384 signs a SHA-384 digest; every other scheme a SHA-256 digest.
 */
public enum SignatureScheme {
    RSA_3072(2, 0, 384, "SHA-256", null),
    ECDSA_P192(3, 1, 24, "SHA-256", "P-192"),
    ECDSA_P256(3, 2, 32, "SHA-256", "P-256"),
    ECDSA_P384(3, 3, 48, "SHA-384", "P-384");

    private final int blockVersion;
    private final int curveId;
    private final int componentSize;
    private final String digestAlgorithm;
    private final String curveName;

    SignatureScheme(int blockVersion, int curveId, int componentSize, String digestAlgorithm, String curveName) {
        this.blockVersion = blockVersion;
        this.curveId = curveId;
        this.componentSize = componentSize;
        this.digestAlgorithm = digestAlgorithm;
        this.curveName = curveName;
    }

    /** The block's {@code version} byte: 2 for RSA, 3 for ECDSA. */
    public int blockVersion() {
        return blockVersion;
    }

    /** The ECDSA block's {@code curve_id}; 0 for RSA. */
    public int curveId() {
        return curveId;
    }

    /** Bytes of one coordinate or signature half (ECDSA), or of the modulus (RSA). */
    public int componentSize() {
        return componentSize;
    }

    /** The JCA name of the digest the image is signed over. */
    public String digestAlgorithm() {
        return digestAlgorithm;
    }

    /** The NIST curve name for ECDSA schemes, {@code null} for RSA. */
    public String curveName() {
        return curveName;
    }

    public boolean isEcdsa() {
        return blockVersion == 3;
    }

    /** The block's {@code sha_version}: 1 for SHA-384, else 0. */
    public int shaVersion() {
        return this == ECDSA_P384 ? 1 : 0;
    }

    public int digestSize() {
        return this == ECDSA_P384 ? 48 : 32;
    }

    static SignatureScheme ecdsaByCurveId(int curveId) {
        for (SignatureScheme scheme : values()) {
            if (scheme.isEcdsa() && scheme.curveId == curveId) {
                return scheme;
            }
        }
        return null;
    }
}
