package dev.flota.flash.testing;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

/** Key pairs generated once per test JVM: RSA-3072 and EC on P-192, P-256, P-384 (Bouncy Castle, as JDK 17 lacks P-192). */
public final class TestKeys {

    private static final Map<String, KeyPair> CACHE = new ConcurrentHashMap<>();
    private static final BouncyCastleProvider PROVIDER = new BouncyCastleProvider();

    private TestKeys() {
    }

    public static KeyPair rsa3072(String name) {
        return CACHE.computeIfAbsent("rsa-" + name, k -> generate("RSA", null));
    }

    /** {@code curve} is "P-192", "P-256" or "P-384". */
    public static KeyPair ec(String curve, String name) {
        return CACHE.computeIfAbsent(curve + "-" + name, k -> generate("EC", curve));
    }

    private static KeyPair generate(String algorithm, String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance(algorithm, PROVIDER);
            if (curve == null) {
                generator.initialize(3072, new SecureRandom());
            } else {
                generator.initialize(new ECGenParameterSpec(curve), new SecureRandom());
            }
            return generator.generateKeyPair();
        } catch (java.security.GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
