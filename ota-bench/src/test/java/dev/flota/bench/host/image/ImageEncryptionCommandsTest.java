package dev.flota.bench.host.image;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.bench.Cli;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.Manifest;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import dev.flota.flash.testing.VectorFiles;
import dev.flota.flash.testing.Vectors;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code image encrypt|decrypt}: round trips, every encrypted vector, and the failure contract. */
class ImageEncryptionCommandsTest {

    private static final Pattern PLAINTEXT_SHA = Pattern.compile("plaintext sha256 `([0-9a-f]{64})`");

    @TempDir
    Path dir;

    @Test
    void roundTripWithEachScheme() throws Exception {
        Path image = Files.write(dir.resolve("app.bin"), TestImages.app(Chip.ESP32_S3, "9", 20_000));
        for (KeyPair keys : List.of(TestKeys.rsa3072("enc"), TestKeys.ec("P-256", "enc"))) {
            Path encrypted = dir.resolve("app.enc.bin");
            Path decrypted = dir.resolve("app.dec.bin");
            Cli encrypt = Cli.run("image", "encrypt", "--key", pem("pub.pem", keys.getPublic()).toString(),
                    image.toString(), encrypted.toString());
            assertThat(encrypt.exitCode()).as(encrypt.err()).isZero();
            Cli decrypt = Cli.run("image", "decrypt", "--key", pem("priv.pem", keys.getPrivate()).toString(),
                    encrypted.toString(), decrypted.toString());
            assertThat(decrypt.exitCode()).as(decrypt.err()).isZero();
            assertThat(decrypted).hasSameBinaryContentAs(image);
        }
    }

    @Test
    void failureLeavesNoOutputAndSaysWhyInOneLine() throws Exception {
        KeyPair keys = TestKeys.ec("P-256", "enc");
        Path encrypted = dir.resolve("x.enc.bin");
        Cli.run("image", "encrypt", "--key", pem("pub.pem", keys.getPublic()).toString(),
                Files.write(dir.resolve("x.bin"), new byte[5000]).toString(), encrypted.toString());
        byte[] bytes = Files.readAllBytes(encrypted);
        bytes[bytes.length - 1] ^= 1;
        Files.write(encrypted, bytes);
        Path out = Files.writeString(dir.resolve("out.bin"), "stale");
        Cli cli = Cli.run("image", "decrypt", "--key", pem("priv.pem", keys.getPrivate()).toString(),
                encrypted.toString(), out.toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(out).doesNotExist();
        assertThat(cli.err().strip().lines()).singleElement().asString().contains("TAG_MISMATCH");
        try (var files = Files.list(dir)) {
            assertThat(files.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".part"));
        }
    }

    @Test
    void usageErrorsExitTwo() throws Exception {
        Path in = Files.write(dir.resolve("in.bin"), new byte[10]);
        assertThat(Cli.run("image", "decrypt", in.toString(), "out").exitCode()).isEqualTo(2);
        assertThat(Cli.run("image", "decrypt", "--key", "a.pem", "--hmac-key", "b", in.toString(), "out").exitCode())
                .isEqualTo(2);
        Path shortHmac = Files.write(dir.resolve("hmac.bin"), new byte[31]);
        assertThat(Cli.run("image", "decrypt", "--hmac-key", shortHmac.toString(), in.toString(), "out").exitCode())
                .isEqualTo(2);
        assertThat(Cli.run("image", "encrypt", "--key", pem("p192.pem", TestKeys.ec("P-192", "x").getPublic())
                .toString(), in.toString(), dir.resolve("o").toString()).exitCode()).isEqualTo(2);
    }

    static List<Manifest.Row> encryptedImages() {
        return Manifest.rowsUnder("encrypted").stream().filter(r -> r.file().endsWith(".enc.bin")
                || r.file().contains("/corrupt/") || r.file().endsWith("image.bin")).toList();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("encryptedImages")
    void everyEncryptedVectorThroughTheCommandLine(Manifest.Row row) throws Exception {
        VectorFiles.checked(row);
        String keyOption = row.file().startsWith("encrypted/ecc256/") ? "--hmac-key" : "--key";
        String key = row.file().startsWith("encrypted/ecc256/") ? "encrypted/ecc256/device_hmac_key.bin"
                : row.file().startsWith("encrypted/rsa3072/") ? "encrypted/rsa3072/rsa3072_private.pem"
                : "encrypted/espressif_test_vector/test_rsa_private_key.pem";
        Path out = dir.resolve("plain.bin");
        Cli cli = Cli.run("image", "decrypt", keyOption, Vectors.file(key).toString(),
                Vectors.file(row.file()).toString(), out.toString());
        Matcher sha = PLAINTEXT_SHA.matcher(row.expected());
        boolean accepted = !row.expected().startsWith("REJECT") && !row.expected().contains("| REJECT");
        if (row.file().contains("reserved_nonzero")) {
            assertThat(cli.exitCode()).isZero();
            assertThat(VectorFiles.sha256(Files.readAllBytes(out)))
                    .isEqualTo("b46940301f4f20eac924dc03fc29918c3f6d9822b17dc68733143e280dac625b");
        } else if (accepted && sha.find()) {
            assertThat(cli.exitCode()).as(cli.err()).isZero();
            assertThat(VectorFiles.sha256(Files.readAllBytes(out))).isEqualTo(sha.group(1));
        } else {
            assertThat(cli.exitCode()).as(cli.out()).isEqualTo(1);
            assertThat(out).doesNotExist();
            assertThat(cli.err()).startsWith("error: ");
        }
    }

    private Path pem(String name, Object key) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(key);
        }
        return Files.writeString(dir.resolve(name), out.toString());
    }
}
