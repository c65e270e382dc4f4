package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.testing.TestKeys;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.http.Credentials;
import dev.flota.ota.http.TlsSettings;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.interfaces.RSAPrivateCrtKey;
import org.junit.jupiter.api.Test;

/** Keys and passwords never appear in what a configuration prints (logs, exceptions, debuggers). */
class SecretsInToStringTest {

    private static final String CLIENT_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANsecretkeymaterial\n"
            + "-----END PRIVATE KEY-----\n";

    @Test
    void httpsOtaPrintsNoKeyNoPasswordNoClientKey() {
        KeyPair rsa = TestKeys.rsa3072("secrets");
        BigInteger exponent = ((RSAPrivateCrtKey) rsa.getPrivate()).getPrivateExponent();
        HttpsOta ota = HttpsOta.create().url("https://fw.example/app.bin")
                .clientCertificate("-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n", CLIENT_KEY)
                .credentials("fleet", "hunter2-password", 3)
                .decryptionKey(DecryptionKey.of(rsa.getPrivate()));
        String printed = ota.toString() + ota.configuration();
        assertThat(printed).contains("fleet").contains("fw.example")
                .doesNotContain("hunter2-password").doesNotContain("secretkeymaterial")
                .doesNotContain(exponent.toString()).doesNotContain(exponent.toString(16));
    }

    @Test
    void eccKeyTlsSettingsAndCredentialsHideTheirSecrets() {
        EccDecryptionKey ecc = DecryptionKey.fromHmacKey(new byte[32]);
        assertThat(ecc.toString()).doesNotContain(ecc.d().toString()).doesNotContain(ecc.d().toString(16));
        assertThat(new TlsSettings(null, "cert", CLIENT_KEY).toString()).doesNotContain("secretkeymaterial");
        assertThat(Credentials.basic("u", "p4ssw0rd", 1).toString()).doesNotContain("p4ssw0rd");
    }
}
