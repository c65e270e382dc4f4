package dev.flota.flash.loader;

import static dev.flota.flash.testing.EsptoolJsOperation.connect;
import static dev.flota.flash.testing.EsptoolJsOperation.eraseFlash;
import static dev.flota.flash.testing.EsptoolJsOperation.flashId;
import static dev.flota.flash.testing.EsptoolJsOperation.md5;
import static dev.flota.flash.testing.EsptoolJsOperation.readFlash;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaImgState;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.testing.EsptoolJs;
import dev.flota.flash.testing.EsptoolJsOperation;
import dev.flota.flash.testing.EsptoolJsOperation.FlashFile;
import dev.flota.flash.testing.EsptoolJsResult;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Espressif's esptool-js 0.7.0 against the simulated device's serial loader over TCP: a client nobody here wrote
 * detects the chip, reads the flash ID, erases, writes a whole flash layout (compressed and not), reads it back and
 * checks MD5s; then the simulated bootloader boots what esptool-js wrote. Also the reconnects esptool-js makes: after
 * CHANGE_BAUDRATE (a new TCP connection), and a second session that finds the stub still running.
 */
class EsptoolJsInteropTest {

    private static final long TABLE = 0x8000;
    private static final long OTADATA = 0xD000;
    private static final long FACTORY = 0x10000;
    private static final long OTA_1 = 0x90000;

    @TempDir
    Path dir;

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_C3"})
    void esptoolJsFlashesWhatTheBootloaderBoots(Chip chip) throws Exception {
        EsptoolJs esptool = EsptoolJs.require();
        PartitionTable table = PartitionCsv.parse(TestDevices.FACTORY_TWO_SLOTS,
                PartitionCsv.Options.defaults().withPrimaryBootloaderOffset(chip.bootloaderOffset()));
        NorFlash flash = TestDevices.flash(table, TestImages.app(chip, "1.0", 2000));
        // ESP32 v3.0 (esptool-js prints the major only) and ESP32-C3 v0.4 (the minor only).
        int revision = chip == Chip.ESP32 ? 300 : 4;
        Device device = Device.poweredOn(flash, DeviceProperties.of(chip).withChipRevision(revision));
        assertThat(device.lastBoot().bootedLabel()).isEqualTo("factory");
        byte[] mac = HexFormat.of().parseHex("24d7eb0a1b2c");

        byte[] factoryApp = TestImages.app(chip, "2.0", 40_000);
        byte[] otaApp = TestImages.app(chip, "3.0", 30_000);
        byte[] otadata = OtaData.blank().withEntry(1, OtaSelectEntry.of(2, OtaImgState.VALID)).encode();
        byte[] tableBytes = table.encode(table.md5Present());
        Path tableFile = write("table.bin", tableBytes);
        Path factoryFile = write("factory.bin", factoryApp);
        Path otaFile = write("ota.bin", otaApp);
        Path otadataFile = write("otadata.bin", otadata);
        Path factoryBack = dir.resolve("factory-back.bin");
        Path otaBack = dir.resolve("ota-back.bin");

        EsptoolJsResult result;
        try (LoaderServer served = LoaderServer.start(LoaderDevice.of(device, mac))) {
            result = esptool.frames(frames("flash", chip)).run("127.0.0.1", served.port(), List.of(
                    connect(),
                    flashId(),
                    eraseFlash(),
                    md5(FACTORY, 0x1000),
                    EsptoolJsOperation.writeFlash(List.of(new FlashFile(tableFile, TABLE),
                            new FlashFile(factoryFile, FACTORY)), true),
                    EsptoolJsOperation.writeFlash(List.of(new FlashFile(otaFile, OTA_1),
                            new FlashFile(otadataFile, OTADATA)), false),
                    readFlash(FACTORY, factoryApp.length, factoryBack),
                    readFlash(OTA_1, otaApp.length, otaBack),
                    md5(OTA_1, otaApp.length),
                    EsptoolJsOperation.after("hard_reset")));
        }
        result.orThrow();

        EsptoolJsResult.Step connected = result.step("connect");
        assertThat(connected.text("chip")).isEqualTo(chip.displayName());
        assertThat(connected.flag("stub")).isTrue();
        assertThat(connected.text("mac")).isEqualTo("24:d7:eb:0a:1b:2c");
        assertThat(connected.text("revision")).isEqualTo(chip == Chip.ESP32 ? "3" : "4");
        assertThat(connected.text("description")).isEqualTo(chip == Chip.ESP32
                ? "ESP32-D0WD-V3 (revision 3)" : "ESP32-C3 (QFN32) (revision v0.4)");
        assertThat(connected.text("crystal")).isEqualTo("40MHz");
        assertThat(connected.text("flashId")).isNotEqualTo("0xffffff").isNotEqualTo("0x000000");
        assertThat(result.step("flashId").text("flashSize")).isEqualTo("1MB");

        assertThat(result.steps("md5").get(0).text("md5")).isEqualTo(md5Hex(filled(0x1000)));
        assertThat(result.steps("writeFlash").get(0).list("md5s"))
                .containsExactly(md5Hex(padTo4(tableBytes)), md5Hex(padTo4(factoryApp)));
        assertThat(Arrays.mismatch(Files.readAllBytes(factoryBack), factoryApp)).as("first byte read back wrong")
                .isEqualTo(-1);
        assertThat(Arrays.mismatch(Files.readAllBytes(otaBack), otaApp)).as("first byte read back wrong")
                .isEqualTo(-1);
        assertThat(result.steps("md5").get(1).text("md5")).isEqualTo(md5Hex(otaApp));
        assertThat(Arrays.mismatch(flash.read(OTADATA, OtaData.SIZE), otadata)).as("first otadata byte wrong")
                .isEqualTo(-1);
        assertThat(Arrays.mismatch(flash.read(TABLE + tableBytes.length, 0x100), filled(0x100)))
                .as("first byte after the table not erased").isEqualTo(-1);

        BootResult boot = device.reboot();
        assertThat(boot.bootedLabel()).isEqualTo("ota_1");
        assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("3.0");
    }

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_C3"})
    void esptoolJsReconnectsAfterChangingTheBaudRateAndAgainInANewSession(Chip chip) throws Exception {
        EsptoolJs esptool = EsptoolJs.require();
        byte[] app = TestImages.app(chip, "1.0", 2000);
        PartitionTable table = PartitionCsv.parse(TestDevices.FACTORY_TWO_SLOTS,
                PartitionCsv.Options.defaults().withPrimaryBootloaderOffset(chip.bootloaderOffset()));
        Device device = Device.poweredOn(TestDevices.flash(table, app), DeviceProperties.of(chip));
        LoaderDevice loader = LoaderDevice.of(device);
        try (LoaderServer served = LoaderServer.start(loader)) {
            EsptoolJsResult first = esptool.baud(921600).frames(frames("reconnect-first", chip))
                    .run("127.0.0.1", served.port(), List.of(connect(), md5(FACTORY, app.length))).orThrow();
            // One more connection than the detection needed: CHANGE_BAUDRATE makes esptool-js reopen the port.
            assertThat(first.step("connect").number("connections")).isEqualTo(chip == Chip.ESP32 ? 3 : 2);
            assertThat(first.step("md5").text("md5")).isEqualTo(md5Hex(app));
            assertThat(loader.baudRate()).isEqualTo(921600);

            // A TCP close is no reset: the next session finds the stub the first one uploaded.
            EsptoolJsResult second = esptool.frames(frames("reconnect-second", chip))
                    .run("127.0.0.1", served.port(), List.of(connect(), md5(FACTORY, app.length))).orThrow();
            assertThat(first.step("connect").flag("stubWasRunning")).isFalse();
            assertThat(second.step("connect").flag("stubWasRunning")).isTrue();
            assertThat(second.step("md5").text("md5")).isEqualTo(md5Hex(app));
        }
    }

    /** Where the run's SLIP frames are kept for a look after a failure: target/esptool-js/. */
    private static Path frames(String name, Chip chip) throws Exception {
        Path folder = Files.createDirectories(Path.of("target", "esptool-js"));
        return folder.resolve(name + "-" + chip.esptoolName() + ".frames.txt");
    }

    private Path write(String name, byte[] bytes) throws Exception {
        return Files.write(dir.resolve(name), bytes);
    }

    private static byte[] filled(int n) {
        byte[] b = new byte[n];
        Arrays.fill(b, (byte) 0xFF);
        return b;
    }

    private static byte[] padTo4(byte[] b) {
        if (b.length % 4 == 0) {
            return b;
        }
        byte[] out = Arrays.copyOf(b, (b.length + 3) & ~3);
        Arrays.fill(out, b.length, out.length, (byte) 0xFF);
        return out;
    }

    private static String md5Hex(byte[] bytes) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(bytes));
    }
}
