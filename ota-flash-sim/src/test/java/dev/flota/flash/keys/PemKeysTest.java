package dev.flota.flash.keys;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.testing.TestKeys;
import java.io.StringWriter;
import java.security.KeyPair;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPrivateCrtKey;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.junit.jupiter.api.Test;

/** PEM encodings Espressif's tools produce: PKCS#1, PKCS#8, SEC1 and SPKI. */
class PemKeysTest {

    @Test
    void rsaPkcs1AndPkcs8PrivateKeysAndTheirPublicKey() throws Exception {
        KeyPair keys = TestKeys.rsa3072("pem");
        String pkcs1 = pem(keys.getPrivate());
        assertThat(pkcs1).contains("BEGIN RSA PRIVATE KEY");
        String pkcs8 = pem(new JcaPKCS8Generator(keys.getPrivate(), null));
        assertThat(pkcs8).contains("BEGIN PRIVATE KEY");
        for (String text : new String[] {pkcs1, pkcs8}) {
            assertThat(PemKeys.isPrivate(text)).isTrue();
            assertThat(((RSAPrivateCrtKey) PemKeys.privateKey(text)).getModulus())
                    .isEqualTo(((RSAPrivateCrtKey) keys.getPrivate()).getModulus());
        }
        assertThat(PemKeys.publicKey(pem(keys.getPublic())).getEncoded()).isEqualTo(keys.getPublic().getEncoded());
        assertThat(PemKeys.publicKey(pkcs1).getEncoded()).isEqualTo(keys.getPublic().getEncoded());
    }

    @Test
    void ecSec1AndPkcs8OnP192() throws Exception {
        KeyPair keys = TestKeys.ec("P-192", "pem");
        String sec1 = pem(keys.getPrivate());
        assertThat(sec1).contains("BEGIN EC PRIVATE KEY");
        String pkcs8 = pem(new JcaPKCS8Generator(keys.getPrivate(), null));
        for (String text : new String[] {sec1, pkcs8}) {
            assertThat(((ECPrivateKey) PemKeys.privateKey(text)).getS())
                    .isEqualTo(((ECPrivateKey) keys.getPrivate()).getS());
        }
        assertThat(PemKeys.publicKey(pem(keys.getPublic())).getEncoded()).isEqualTo(keys.getPublic().getEncoded());
    }

    @Test
    void badInputGetsKeyFormatException() throws Exception {
        assertThatThrownBy(() -> PemKeys.privateKey("hello")).isInstanceOf(KeyFormatException.class);
        assertThatThrownBy(() -> PemKeys.privateKey("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"))
                .isInstanceOf(KeyFormatException.class);
        String publicOnly = pem(TestKeys.ec("P-256", "pem").getPublic());
        assertThatThrownBy(() -> PemKeys.privateKey(publicOnly)).isInstanceOf(KeyFormatException.class)
                .hasMessageContaining("no private key");
    }

    private static String pem(Object object) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object instanceof JcaPKCS8Generator g ? g.generate() : object);
        }
        return out.toString();
    }
}
