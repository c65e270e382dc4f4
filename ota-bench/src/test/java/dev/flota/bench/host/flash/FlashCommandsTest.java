package dev.flota.bench.host.flash;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.flota.bench.Cli;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.Vectors;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code flash} commands: a simulated device on disk, driven as a firmware engineer would. */
class FlashCommandsTest {

    private static final String TABLE = TestDevices.FACTORY_TWO_512K_SLOTS;

    @TempDir
    Path dir;

    @Test
    void updateRollbackAndConfirmThroughTheCommandLine() throws Exception {
        Path flash = create("--rollback");
        assertThat(run(0, "flash", "boot", flash.toString(), "--json").json().get("booted").asText())
                .isEqualTo("factory");
        Path v2 = Files.write(dir.resolve("v2.bin"), TestImages.app(Chip.ESP32_C3, "2.0", 3000));
        run(0, "flash", "write", flash.toString(), "--partition", "ota_0", v2.toString());
        run(0, "flash", "set-boot", flash.toString(), "--partition", "ota_0");
        JsonNode boot = run(0, "flash", "boot", flash.toString(), "--json").json();
        assertThat(boot.get("booted").asText()).isEqualTo("ota_0");
        assertThat(boot.get("appDescription").get("version").asText()).isEqualTo("2.0");
        assertThat(boot.get("otadataChanges").get(0).asText()).contains("NEW -> PENDING_VERIFY");
        run(0, "flash", "mark-valid", flash.toString());
        assertThat(run(0, "flash", "boot", flash.toString(), "--json").json().get("booted").asText())
                .isEqualTo("ota_0");

        Path v3 = Files.write(dir.resolve("v3.bin"), TestImages.app(Chip.ESP32_C3, "3.0", 3000));
        run(0, "flash", "write", flash.toString(), "--partition", "ota_1", v3.toString());
        run(0, "flash", "set-boot", flash.toString(), "--partition", "ota_1");
        run(0, "flash", "boot", flash.toString());
        Cli invalid = run(0, "flash", "mark-invalid", flash.toString());
        assertThat(invalid.out()).contains("rebooted into 'ota_0'");
        JsonNode info = run(0, "flash", "info", flash.toString(), "--json").json();
        assertThat(info.get("running").asText()).isEqualTo("ota_0");
        assertThat(info.get("boot").asText()).isEqualTo("ota_0");
    }

    @Test
    void wrongChipAndBadDigestAreRefusedAndSkipped() throws Exception {
        Path flash = create();
        Path otherChip = Files.write(dir.resolve("s3.bin"), TestImages.app(Chip.ESP32_S3, "s3", 2000));
        byte[] corrupt = TestImages.app(Chip.ESP32_C3, "bad", 2000);
        corrupt[corrupt.length - 5] ^= 1;
        Path badDigest = Files.write(dir.resolve("bad.bin"), corrupt);
        for (Path image : new Path[] {otherChip, badDigest}) {
            run(0, "flash", "write", flash.toString(), "--partition", "ota_0", image.toString());
            byte[] before = Files.readAllBytes(flash);
            Cli refused = run(1, "flash", "set-boot", flash.toString(), "--partition", "ota_0");
            assertThat(refused.err()).startsWith("error: ESP_ERR_OTA_VALIDATE_FAILED");
            assertThat(Files.readAllBytes(flash)).as("flash untouched").isEqualTo(before);
        }
        byte[] raw = Files.readAllBytes(flash);
        int otadata = 0xd000;
        byte[] entry = {2, 0, 0, 0, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1,
                -1, -1, -1, -1, 0x74, 0x37, (byte) 0xF6, 0x55};
        System.arraycopy(entry, 0, raw, otadata, entry.length);
        Files.write(flash, raw);
        JsonNode boot = run(0, "flash", "boot", flash.toString(), "--json").json();
        assertThat(boot.get("booted").asText()).as("otadata says ota_1, which is empty; ota_0 is corrupt")
                .isEqualTo("factory");
        assertThat(boot.get("skipped").toString()).contains("ota_1: INVALID_MAGIC", "ota_0: SHA256_MISMATCH");
    }

    @Test
    void infoAgreesWithPartitionsAndOtadataOnTheVectors() throws Exception {
        Path flash = dir.resolve("vec.bin");
        String table = Vectors.file("partition_tables/pt_factory_ota2_4MB.bin").toString();
        run(0, "flash", "create", flash.toString(), "--size", "4MB", "--partitions", table, "--factory",
                Vectors.file("app_images/esp32c3_hello_world_idf4.4.bin").toString());
        byte[] raw = Files.readAllBytes(flash);
        byte[] otadata = Vectors.bytes("otadata/otadata_otatool_switch_ota0_ota1.bin");
        System.arraycopy(otadata, 0, raw, 0xd000, otadata.length);
        Files.write(flash, raw);
        Files.write(dir.resolve("table.bin"), Arrays.copyOfRange(raw, 0x8000, 0x8000 + 0xC00));
        Files.write(dir.resolve("otadata.bin"), otadata);

        JsonNode info = run(0, "flash", "info", flash.toString(), "--json").json();
        JsonNode partitions = run(0, "partitions", table, "--json").json();
        JsonNode fromOtadata = run(0, "otadata", dir.resolve("otadata.bin").toString(), "--partitions", table,
                "--json").json();
        assertThat(info.get("chip").asText()).isEqualTo("esp32c3");
        assertThat(info.get("partitions")).isEqualTo(partitions.get("partitions"));
        assertThat(info.get("otadata").get("entries")).isEqualTo(fromOtadata.get("entries"));
        assertThat(fromOtadata.get("boot").asText()).isEqualTo("ota_1");
        assertThat(info.get("boot").asText()).as("otadata names ota_1; both slots are empty, so the bootloader falls back to factory")
                .isEqualTo("factory");
        assertThat(info.get("apps").get(0).get("appDescription").get("projectName").asText()).isEqualTo("hello_world");
    }

    @Test
    void theEfuseBlockRevisionIsKeptShownAndDecidesWhatBoots() throws Exception {
        byte[] needsV1 = TestImages.builder(Chip.ESP32_C3, "1.0", 3000, app -> app.efuseBlockRevisions(100, 0)).build();
        Path factory = Files.write(dir.resolve("needs-v1.bin"), needsV1);
        Path csv = Files.writeString(dir.resolve("table.csv"), TABLE);
        Path flash = dir.resolve("blk.bin");
        run(0, "flash", "create", flash.toString(), "--size", "2MB", "--partitions", csv.toString(), "--factory",
                factory.toString(), "--efuse-blk-rev", "1.2");
        assertThat(Files.readString(dir.resolve("blk.bin.device.properties"))).contains("efuse.blockRevision=1.2");
        JsonNode info = run(0, "flash", "info", flash.toString(), "--json").json();
        assertThat(info.get("efuseBlockRevision").asText()).isEqualTo("1.2");
        assertThat(info.get("boot").asText()).isEqualTo("factory");
        assertThat(run(0, "flash", "info", flash.toString()).out()).contains("eFuse blocks v1.2");

        run(0, "flash", "create", flash.toString(), "--size", "2MB", "--partitions", csv.toString(), "--factory",
                factory.toString());
        JsonNode old = run(1, "flash", "info", flash.toString(), "--json").json();
        assertThat(old.get("efuseBlockRevision").asText()).isEqualTo("0.0");
        assertThat(old.get("boot").isNull()).as("the factory app needs eFuse blocks v1.0").isTrue();
        assertThat(old.get("apps").get(0).get("errors").toString()).contains("EFUSE_BLOCK_REVISION_TOO_LOW");
        assertThat(Cli.run("flash", "create", flash.toString(), "--size", "2MB", "--partitions", csv.toString(),
                "--efuse-blk-rev", "one").exitCode()).isEqualTo(2);
    }

    @Test
    void usageErrors() throws Exception {
        Path lonely = Files.write(dir.resolve("lonely.bin"), new byte[4096]);
        assertThat(Cli.run("flash", "info", lonely.toString()).exitCode()).isEqualTo(2);
        assertThat(Cli.run("flash", "create", dir.resolve("x.bin").toString(), "--size", "3 parsecs",
                "--partitions", "t.csv").exitCode()).isEqualTo(2);
        Path flash = create();
        assertThat(Cli.run("flash", "write", flash.toString(), "--partition", "nope", lonely.toString()).exitCode())
                .isEqualTo(2);
    }

    private Path create(String... extra) throws Exception {
        Path csv = Files.writeString(dir.resolve("table.csv"), TABLE);
        Path factory = Files.write(dir.resolve("factory.bin"), TestImages.app(Chip.ESP32_C3, "1.0", 3000));
        Path flash = dir.resolve("device.bin");
        String[] args = {"flash", "create", flash.toString(), "--size", "2MB", "--partitions", csv.toString(),
                "--factory", factory.toString()};
        String[] all = Arrays.copyOf(args, args.length + extra.length);
        System.arraycopy(extra, 0, all, args.length, extra.length);
        run(0, all);
        return flash;
    }

    private static Cli run(int expected, String... args) {
        return Cli.expect(expected, args);
    }
}
