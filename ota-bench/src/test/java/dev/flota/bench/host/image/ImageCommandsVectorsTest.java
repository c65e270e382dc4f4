package dev.flota.bench.host.image;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.testing.Vectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The image commands on Espressif's artifacts: the values MANIFEST.md lists, through the command line. */
class ImageCommandsVectorsTest {

    @Test
    void infoOnARealC3Build() {
        JsonNode json = info("app_images/esp32c3_hello_world_idf4.4.bin", 0);
        assertThat(json.get("chip").asText()).isEqualTo("esp32c3");
        assertThat(json.get("chipId").asInt()).isEqualTo(5);
        assertThat(json.get("spiMode").asText()).isEqualTo("DIO");
        assertThat(json.get("spiSpeed").asText()).isEqualTo("80m");
        assertThat(json.get("flashSize").asText()).isEqualTo("4MB");
        assertThat(json.get("segments")).hasSize(6);
        assertThat(json.get("checksum").get("stored").asInt()).isEqualTo(0x59);
        assertThat(json.get("sha256").get("computed").asText())
                .isEqualTo("db443b14059e8af20eb974e57c250d59f44f3f01b2e8c92b25144b8d01adb78a");
        assertThat(json.get("imageLength").asLong()).isEqualTo(211008);
        assertThat(json.get("appDescription").get("projectName").asText()).isEqualTo("hello_world");
    }

    @Test
    void infoOnABootloaderAndAnImageWithoutDigest() {
        JsonNode boot = info("app_images/esp32_bootloader_idf5.2dev.bin", 0);
        assertThat(boot.get("kind").asText()).isEqualTo("bootloader");
        assertThat(boot.get("appDescription").isNull()).isTrue();
        assertThat(boot.get("bootloaderDescription").get("idfVersion").asText()).isEqualTo("v5.2-dev-254-g1950b15");
        assertThat(boot.get("bootloaderDescription").get("dateTime").asText()).isEqualTo("Apr 25 2023 00:13:32");
        JsonNode noDigest = info("app_images/esp32c6_appdesc_markers_nodigest.bin", 0);
        assertThat(noDigest.get("hashAppended").asBoolean()).isFalse();
        assertThat(noDigest.get("sha256").isNull()).isTrue();
        assertThat(noDigest.get("imageLength").asLong()).isEqualTo(304);
    }

    @Test
    void infoOnCorruptImages() {
        JsonNode header = info("app_images/corrupt/esp32c3_hello_world.flip_header_spimode.bin", 1);
        assertThat(header.get("checksum").get("valid").asBoolean()).isTrue();
        assertThat(header.get("sha256").get("valid").asBoolean()).isFalse();
        JsonNode magic = info("app_images/corrupt/esp32c6_appdesc_markers.bad_magic.bin", 1);
        assertThat(magic.get("errors").get(0).asText()).startsWith("INVALID_MAGIC");
    }

    @ParameterizedTest
    @CsvSource({
            "signed/c3_signed_rsa3072.bin, rsa3072, '', 0",
            "signed/c3_signed_ecdsa_p384.bin, ecdsa_p384, '', 0",
            "signed/app_signed_ecdsa_p256.bin, ecdsa_p256, '', 0",
            "signed/c3_signed_untrusted_rsa3072.bin, rsa3072, '', 1",
            "signed/c3_signed_rsa3072_2blocks_untrusted_first.bin, rsa3072, '', 1",
            "signed/c3_signed_rsa3072_2blocks_untrusted_first.bin, rsa3072, --secure-boot, 0",
            "signed/corrupt/c3_signed_rsa3072.stale_block_digest_fixcrc.bin, rsa3072, '', 1",
            "signed/corrupt/c3_signed_rsa3072.stale_block_digest_fixcrc.bin, rsa3072, --ignore-stored-digest, 0",
            "signed/corrupt/c3_signed_rsa3072.flip_padding_byte.bin, rsa3072, '', 1",
            "signed/app_unsigned_securepad.bin, rsa3072, '', 1"})
    void verifyGivesTheDeviceVerdict(String file, String key, String option, int exitCode) {
        String keyFile = Vectors.file("signed/keys/" + key + "_public_key.pem").toString();
        String image = Vectors.file(file).toString();
        Cli cli = option.isEmpty() ? Cli.run("image", "verify", "--key", keyFile, image)
                : Cli.run("image", "verify", "--key", keyFile, option, image);
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isEqualTo(exitCode);
    }

    @Test
    void verifyWithAnyOfSeveralKeys() {
        String image = Vectors.file("signed/c3_signed_rsa3072.bin").toString();
        Cli cli = Cli.run("image", "verify", "--key",
                Vectors.file("signed/keys/untrusted_rsa3072_public_key.pem").toString(), "--key",
                Vectors.file("signed/keys/rsa3072_public_key.pem").toString(), image, "--json");
        assertThat(cli.exitCode()).isZero();
        assertThat(cli.json().get("keys").get(1).get("digest").asText())
                .isEqualTo("da10ec5f88e3a55b84a3cebcf99c735d99e3bfbd28e7b6f328b09bc0ff104f87");
    }

    private static JsonNode info(String vector, int exitCode) {
        Cli cli = Cli.run("image", "info", Vectors.file(vector).toString(), "--json");
        assertThat(cli.exitCode()).as(cli.err()).isEqualTo(exitCode);
        return cli.json();
    }
}
