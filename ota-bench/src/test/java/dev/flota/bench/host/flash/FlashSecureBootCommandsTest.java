package dev.flota.bench.host.flash;

import static dev.flota.flash.testing.SecureBootDevices.digest;
import static dev.flota.flash.testing.SecureBootDevices.signed;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Secure Boot V2 device on disk: {@code flash create --secure-boot-key}, what {@code set-boot} refuses and
 * {@code boot} skips, {@code flash efuse}, {@code flash info}'s security state and {@code flash revoke-key}.
 */
class FlashSecureBootCommandsTest {

    private static final String TABLE = TestDevices.FACTORY_TWO_512K_SLOTS;
    private static final KeyPair TRUSTED = TestKeys.rsa3072("a");
    private static final KeyPair SECOND = TestKeys.rsa3072("b");
    private static final KeyPair UNTRUSTED = TestKeys.rsa3072("untrusted");

    @TempDir
    Path dir;

    @Test
    void setBootAndBootRefuseWhatNoTrustedUnrevokedKeySigned() throws Exception {
        Path flash = create(signed(app("1.0"), TRUSTED, SECOND), "--secure-boot-key", pem("a", TRUSTED),
                "--secure-boot-key", pem("b", SECOND));
        assertThat(run(0, "flash", "boot", flash.toString()).out()).contains("Booted: factory");
        run(0, "flash", "revoke-key", flash.toString(), "--digest", "1");
        assertThat(DeviceProperties.load(DeviceProperties.sidecarOf(flash)).efuses().isSet("SECURE_BOOT_KEY_REVOKE1"))
                .isTrue();

        for (byte[] image : List.of(app("2.0"), signed(app("2.0"), UNTRUSTED), signed(app("2.0"), SECOND))) {
            Path file = Files.write(dir.resolve("refused.bin"), image);
            run(0, "flash", "write", flash.toString(), "--partition", "ota_0", file.toString());
            Cli refused = run(1, "flash", "set-boot", flash.toString(), "--partition", "ota_0");
            assertThat(refused.err()).startsWith("error: ESP_ERR_OTA_VALIDATE_FAILED").contains("SIGNATURE_");
            forceBootSlot0(flash);
            JsonNode boot = run(0, "flash", "boot", flash.toString(), "--json").json();
            assertThat(boot.get("booted").asText()).as("the bootloader skips it").isEqualTo("factory");
            assertThat(boot.get("skipped").get(0).asText()).startsWith("ota_0: SIGNATURE_");
        }

        Path good = Files.write(dir.resolve("good.bin"), signed(app("2.0"), TRUSTED));
        run(0, "flash", "write", flash.toString(), "--partition", "ota_0", good.toString());
        run(0, "flash", "set-boot", flash.toString(), "--partition", "ota_0");
        assertThat(run(0, "flash", "boot", flash.toString(), "--json").json().get("booted").asText())
                .isEqualTo("ota_0");
        Cli last = run(1, "flash", "revoke-key", flash.toString(), "--digest", "0");
        assertThat(last.err()).as("the running app has no other key").startsWith("error: ESP_FAIL");
    }

    @Test
    void efuseAndInfoShowTheSecurityState() throws Exception {
        Path flash = create(signed(app("1.0"), TRUSTED), "--secure-boot-key", pem("a", TRUSTED), "--release",
                "--aggressive-revoke");
        JsonNode efuses = run(0, "flash", "efuse", flash.toString(), "--json").json();
        assertThat(efuses.get("SECURE_BOOT_EN").get("value").asBoolean()).isTrue();
        assertThat(efuses.get("SECURE_BOOT_AGGRESSIVE_REVOKE").get("value").asBoolean()).isTrue();
        assertThat(efuses.get("KEY_PURPOSE_0").get("value").asInt()).isEqualTo(9);
        assertThat(efuses.get("BLOCK_KEY0").get("value").asText()).isEqualTo(HexFormat.of().formatHex(
                digest(TRUSTED)));
        assertThat(efuses.get("BLOCK_KEY0").get("writeable").asBoolean()).isFalse();
        assertThat(efuses.get("ENABLE_SECURITY_DOWNLOAD").get("value").asBoolean()).isTrue();
        assertThat(efuses.get("DIS_DOWNLOAD_MANUAL_ENCRYPT").get("value").asBoolean()).isTrue();
        assertThat(efuses.get("SPI_BOOT_CRYPT_CNT").get("value").asInt()).isZero();

        JsonNode info = run(0, "flash", "info", flash.toString(), "--json").json().get("security");
        assertThat(info.get("secureBoot").get("enabled").asBoolean()).isTrue();
        assertThat(info.get("secureBoot").get("digests").get(0).get("digest").asText())
                .isEqualTo(HexFormat.of().formatHex(digest(TRUSTED)));
        assertThat(info.get("downloadMode").asText()).isEqualTo("secure");
        assertThat(run(0, "flash", "info", flash.toString()).out()).contains("Security: Secure Boot V2 on (RSA_3072, "
                + "aggressive revoke), digests 0:");
        String text = run(0, "flash", "efuse", flash.toString()).out();
        assertThat(text).contains("SECURE_BOOT_EN                 (BLOCK0)", "= True R/W");
        assertThat(text).contains("BLOCK_KEY0                     (BLOCK4) Key0 or user data");
        if (System.getProperty("flota.printCli") != null) {
            System.out.println(text + run(0, "flash", "efuse", flash.toString(), "--json").out()
                    + run(0, "flash", "info", flash.toString()).out()
                    + run(0, "flash", "info", flash.toString(), "--json").out());
        }
    }

    @Test
    void createRefusesWhatTheChipCannotDo() throws Exception {
        Path ecKey = pem("ec", TestKeys.ec("P-256", "a"));
        assertThat(runCreate(2, app("1.0"), "--secure-boot-key", ecKey).err()).contains("does not support Secure Boot "
                + "V2 with ECDSA_P256");
        assertThat(runCreate(2, TestImages.app(Chip.ESP32, "1.0", 3000), "--secure-boot-key", pem("a", TRUSTED))
                .err()).contains("chip revision v3.0");
        assertThat(runCreate(2, app("1.0"), "--aggressive-revoke").err()).contains("needs --secure-boot-key");
        byte[] keyFile = HexFormat.of().parseHex("00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff");
        Path key = Files.write(dir.resolve("fe.bin"), keyFile);
        Path flash = create(app("1.0"), "--flash-encryption-key", key.toString());
        JsonNode efuses = run(0, "flash", "efuse", flash.toString(), "--json").json();
        assertThat(efuses.get("KEY_PURPOSE_0").get("value").asInt()).as("XTS_AES_128_KEY").isEqualTo(4);
        assertThat(efuses.get("BLOCK_KEY0").get("readable").asBoolean()).isFalse();
        assertThat(DeviceProperties.load(DeviceProperties.sidecarOf(flash)).efuses().security().flashEncryptionKey())
                .hasValueSatisfying(k -> assertThat(k).isEqualTo(keyFile));
    }

    private static byte[] app(String version) {
        return TestImages.app(Chip.ESP32_C3, version, 3000);
    }

    /** otadata entry 0 with seq 1 (ota_0), valid CRC: what a skip-validate set-boot would leave. */
    private static void forceBootSlot0(Path flash) throws Exception {
        byte[] raw = Files.readAllBytes(flash);
        byte[] entry = dev.flota.flash.otadata.OtaSelectEntry.of(1, dev.flota.flash.otadata.OtaImgState.UNDEFINED)
                .encode();
        java.util.Arrays.fill(raw, 0xd000, 0xf000, (byte) 0xFF);
        System.arraycopy(entry, 0, raw, 0xd000, entry.length);
        Files.write(flash, raw);
    }

    private Path pem(String name, KeyPair key) throws Exception {
        String body = Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getPublic().getEncoded());
        return Files.writeString(dir.resolve(name + ".pem"), "-----BEGIN PUBLIC KEY-----\n" + body
                + "\n-----END PUBLIC KEY-----\n");
    }

    private Path create(byte[] factory, Object... extra) throws Exception {
        runCreate(0, factory, extra);
        return dir.resolve("device.bin");
    }

    private Cli runCreate(int expected, byte[] factory, Object... extra) throws Exception {
        Path csv = Files.writeString(dir.resolve("table.csv"), TABLE);
        Path file = Files.write(dir.resolve("factory.bin"), factory);
        List<String> args = new java.util.ArrayList<>(List.of("flash", "create", dir.resolve("device.bin").toString(),
                "--size", "2MB", "--partitions", csv.toString(), "--factory", file.toString()));
        for (Object e : extra) {
            args.add(e.toString());
        }
        return run(expected, args.toArray(String[]::new));
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
