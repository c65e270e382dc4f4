package dev.flota.bench.host.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code image info|sign|verify} on images and keys the test makes: the command-line contract. */
class ImageCommandsTest {

    @TempDir
    Path dir;

    @Test
    void infoPrintsEveryContractKey() throws Exception {
        Path image = write("app.bin", TestImages.app(Chip.ESP32_C3, "3.1.4", 3000));
        Cli cli = Cli.run("image", "info", image.toString(), "--json");
        assertThat(cli.exitCode()).isZero();
        JsonNode json = cli.json();
        assertThat(json.fieldNames()).toIterable().containsExactly("valid", "errors", "kind", "chip", "chipId",
                "spiMode", "spiSpeed", "flashSize", "entry", "minChipRevFull", "maxChipRevFull", "segments",
                "checksum", "hashAppended", "sha256", "imageLength", "appDescription", "bootloaderDescription");
        assertThat(json.get("valid").asBoolean()).isTrue();
        assertThat(json.get("kind").asText()).isEqualTo("app");
        assertThat(json.get("chip").asText()).isEqualTo("esp32c3");
        assertThat(json.get("chipId").asInt()).isEqualTo(5);
        assertThat(json.get("entry").asText()).startsWith("0x");
        assertThat(json.get("segments").get(0).get("loadAddress").asText()).isEqualTo("0x3c000020");
        assertThat(json.get("checksum").get("valid").asBoolean()).isTrue();
        assertThat(json.get("sha256").get("stored").asText()).isEqualTo(json.get("sha256").get("computed").asText())
                .hasSize(64);
        assertThat(json.get("imageLength").asLong()).isEqualTo(Files.size(image));
        assertThat(json.get("appDescription").get("version").asText()).isEqualTo("3.1.4");
        assertThat(json.get("appDescription").fieldNames()).toIterable().containsExactly("projectName", "version",
                "idfVersion", "date", "time", "secureVersion", "elfSha256", "minEfuseBlkRevFull",
                "maxEfuseBlkRevFull", "mmuPageSize");
        assertThat(json.get("bootloaderDescription").isNull()).isTrue();
    }

    @Test
    void invalidImageExitsOneAndStillPrintsJson() throws Exception {
        byte[] bytes = TestImages.app(Chip.ESP32_C3, "x", 300);
        bytes[100] ^= 1;
        Cli cli = Cli.run("image", "info", write("bad.bin", bytes).toString(), "--json");
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.json().get("valid").asBoolean()).isFalse();
        assertThat(cli.json().get("errors").toString()).contains("CHECKSUM_MISMATCH", "SHA256_MISMATCH");
    }

    @Test
    void textOutputNamesTheFindings() throws Exception {
        Cli cli = Cli.run("image", "info", write("short.bin", new byte[] {(byte) 0xE9, 1, 2}).toString());
        assertThat(cli.exitCode()).isEqualTo(1);
        assertThat(cli.out()).contains("TRUNCATED");
    }

    @Test
    void usageErrorsExitTwo() {
        assertThat(Cli.run("image", "info", dir.resolve("missing.bin").toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("image", "info").exitCode()).isEqualTo(2);
        assertThat(Cli.run("image", "verify", "--key", dir.resolve("nokey.pem").toString(), "x").exitCode())
                .isEqualTo(2);
    }

    @Test
    void signThenVerifyWithEachScheme() throws Exception {
        Path image = write("app.bin", TestImages.app(Chip.ESP32_C6, "1", 2000));
        for (KeyPair keys : new KeyPair[] {TestKeys.rsa3072("cli"), TestKeys.ec("P-192", "cli"),
                TestKeys.ec("P-256", "cli"), TestKeys.ec("P-384", "cli")}) {
            Path priv = pem("priv.pem", keys.getPrivate());
            Path pub = pem("pub.pem", keys.getPublic());
            Path signed = dir.resolve("signed.bin");
            Cli sign = Cli.run("image", "sign", "--key", priv.toString(), image.toString(), signed.toString());
            assertThat(sign.exitCode()).as(sign.err()).isZero();
            assertThat(Files.size(signed) % 4096).isZero();
            Cli verify = Cli.run("image", "verify", "--key", pub.toString(), signed.toString(), "--json");
            assertThat(verify.exitCode()).as(verify.out()).isZero();
            assertThat(verify.json().get("valid").asBoolean()).isTrue();
            assertThat(Cli.run("image", "verify", "--key", pub.toString(), image.toString()).exitCode())
                    .as("unsigned image").isEqualTo(1);
        }
    }

    @Test
    void verifyAcceptsWhenAnyKeyIsTrusted() throws Exception {
        Path image = write("app.bin", TestImages.app(Chip.ESP32_C6, "1", 2000));
        Path signed = dir.resolve("signed.bin");
        Cli.run("image", "sign", "--key", pem("a.pem", TestKeys.ec("P-256", "a").getPrivate()).toString(),
                image.toString(), signed.toString());
        Path other = pem("b.pub", TestKeys.ec("P-256", "b").getPublic());
        Path right = pem("a.pub", TestKeys.ec("P-256", "a").getPublic());
        assertThat(Cli.run("image", "verify", "--key", other.toString(), signed.toString()).exitCode()).isEqualTo(1);
        assertThat(Cli.run("image", "verify", "--key", other.toString(), "--key", right.toString(),
                signed.toString()).exitCode()).isZero();
    }

    @Test
    void helpListsTheSubcommands() {
        Cli cli = Cli.run("--help");
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.out()).contains("image", "partitions", "otadata");
        assertThat(Cli.run("image", "--help").out()).contains("info", "sign", "verify");
    }

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private Path pem(String name, Object key) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(key);
        }
        return Files.writeString(dir.resolve(name), out.toString());
    }
}
