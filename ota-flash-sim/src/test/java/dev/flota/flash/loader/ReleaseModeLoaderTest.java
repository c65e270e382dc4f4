package dev.flota.flash.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.efuse.KeyPurpose;
import dev.flota.flash.efuse.SecureFeatures;
import dev.flota.flash.encryption.EncryptedFlash;
import dev.flota.flash.encryption.FlashCipher;
import dev.flota.flash.encryption.FlashEncryptionKey;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.EfuseRegisters;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.SecurityInfo;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** The loader of a device whose eFuses are burned as in release mode (device_security.md §1.9, §3). */
class ReleaseModeLoaderTest {

    private static final byte[] XTS_KEY = Devices.random(32, 11);
    private static final byte[] ESP32_KEY = Devices.random(32, 12);
    private static final int ROM_BLOCK = 0x400;
    private static final int STUB_BLOCK = 0x4000;

    static LoaderDevice loader(Chip chip, int revision, Efuses efuses) {
        NorFlash flash = NorFlash.create(FlashStorage.inMemory(Devices.FLASH_SIZE),
                FlashConfig.defaults().timing(FlashTiming.instant()));
        return LoaderDevice.of(Device.of(flash, DeviceProperties.of(chip).withChipRevision(revision)
                .withEfuses(efuses)));
    }

    /** What the machine sends for one frame, straight from the state machine: nothing is lost to timing. */
    private static List<byte[]> replies(LoaderDevice device, LoaderRequest request) throws Exception {
        List<byte[]> sent = new ArrayList<>();
        device.machine().onFrame(request.encode(), new LoaderMachine.Wire() {
            @Override
            public void send(byte[] packet) {
                sent.add(packet);
            }

            @Override
            public void flush() {
            }

            @Override
            public boolean flashTiming() {
                return false;
            }
        });
        return sent;
    }

    @Test
    void downloadModeDisabledLeavesNoLoaderToAnswer() throws Exception {
        LoaderDevice c3 = loader(Chip.ESP32_C3, 4, Efuses.blank(Chip.ESP32_C3).burn("DIS_DOWNLOAD_MODE", 1));
        assertThat(c3.downloadModeDisabled()).isTrue();
        assertThat(replies(c3, LoaderRequest.sync())).as("no SYNC reply from a chip without download mode").isEmpty();
        assertThat(replies(c3, LoaderRequest.of(LoaderOpcode.READ_REG, 0x40001000))).isEmpty();

        Efuses uartDis = Efuses.blank(Chip.ESP32).burn("UART_DOWNLOAD_DIS", 1);
        assertThat(replies(loader(Chip.ESP32, 300, uartDis), LoaderRequest.sync())).as("ESP32 v3").isEmpty();
        assertThat(replies(loader(Chip.ESP32, 100, uartDis), LoaderRequest.sync()))
                .as("UART_DOWNLOAD_DIS means nothing before ESP32 v3").hasSize(8);
        assertThat(replies(loader(Chip.ESP32_C3, 4, Efuses.blank(Chip.ESP32_C3)), LoaderRequest.sync())).hasSize(8);
    }

    @Test
    void burningDownloadDisableTakesEffectAtTheNextReset() throws Exception {
        LoaderDevice c3 = loader(Chip.ESP32_C3, 4, Efuses.blank(Chip.ESP32_C3));
        c3.device().burnEfuses(c3.device().properties().efuses().burn("DIS_DOWNLOAD_MODE", 1));
        assertThat(replies(c3, LoaderRequest.sync())).hasSize(8);
        c3.reset();
        assertThat(replies(c3, LoaderRequest.sync())).isEmpty();
    }

    /**
     * Secure Download Mode serves SYNC, SPI_ATTACH, SPI_SET_PARAMS, CHANGE_BAUDRATE, FLASH_BEGIN/DATA/END and
     * GET_SECURITY_INFO (serial_loader.md §2.1, esptool's serial-protocol.rst "Supported in Secure Download Mode");
     * anything else gets the unknown-command reply {@code 01 05}, which esptool turns into "This command (0x..) is not
     * supported in Secure Download Mode" (py:loader.py:598-628, spec §1.3).
     */
    @Test
    void secureDownloadModeServesOnlyItsCommandTable() throws Exception {
        LoaderDevice device = loader(Chip.ESP32_C3, 4, Efuses.blank(Chip.ESP32_C3).burn("ENABLE_SECURITY_DOWNLOAD", 1));
        int unsupported = LoaderErrorCode.ROM_INVALID_FORMAT.code();
        byte[] block = Devices.random(ROM_BLOCK, 5);
        try (RawHost host = RawHost.over(device.connect())) {
            assertThat(host.sync()).isNotZero();
            SecurityInfo info = SecurityInfo.parse(host.command(LoaderOpcode.GET_SECURITY_INFO, new int[0])
                    .payload(SecurityInfo.LENGTH));
            assertThat(info.secureDownloadEnabled()).isTrue();
            assertThat(host.command(LoaderOpcode.SPI_ATTACH, 0, 0).statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.SPI_SET_PARAMS, 0, Devices.FLASH_SIZE, 0x10000, 0x1000, 0x100,
                    0xFFFF).statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.CHANGE_BAUDRATE, 115200, 0).statusCode(0)).isZero();

            assertThat(host.command(LoaderOpcode.READ_REG, (int) ChipRegisters.MAGIC_REGISTER).statusCode(0))
                    .as("no eFuse or register read").isEqualTo(unsupported);
            assertThat(host.command(LoaderOpcode.READ_FLASH_SLOW, 0, 64).statusCode(0)).as("no flash read")
                    .isEqualTo(unsupported);
            assertThat(host.command(LoaderOpcode.SPI_FLASH_MD5, 0, 0x1000, 0, 0).statusCode(0)).isEqualTo(unsupported);
            assertThat(host.command(LoaderOpcode.MEM_BEGIN, 100, 1, 0x1800, 0x40380000).statusCode(0))
                    .as("no stub upload").isEqualTo(unsupported);
            assertThat(host.command(LoaderOpcode.WRITE_REG, 0x60002000, 0, -1, 0).statusCode(0)).isEqualTo(unsupported);
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_BEGIN, 0x400, 1, 0x400, 0x20000, 0).statusCode(0))
                    .isEqualTo(unsupported);

            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, ROM_BLOCK, 1, ROM_BLOCK, 0x10000, 0).statusCode(0))
                    .isZero();
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, block)).statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, 0x1000, 0, ROM_BLOCK, 0x30000, 0).statusCode(0))
                    .as("erase-region").isZero();
        }
        assertThat(device.device().flash().read(0x10000, ROM_BLOCK)).isEqualTo(block);
        assertThat(device.personality()).isEqualTo(LoaderDevice.Personality.ROM);
    }

    @Test
    void securityInfoReportsTheBurnedEfuses() throws Exception {
        Efuses efuses = Efuses.blank(Chip.ESP32_S3).security().burnFlashEncryptionKey(XTS_KEY);
        efuses = efuses.security().burnSecureBootDigest(Devices.random(32, 1));
        efuses = SecureFeatures.enableSecureBoot(efuses, true);
        efuses = efuses.security().revoke(1).security().burnCryptCnt(1).burn("DIS_DOWNLOAD_DCACHE", 1);
        LoaderDevice device = loader(Chip.ESP32_S3, 2, efuses);
        SecurityInfo info;
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            info = SecurityInfo.parse(host.command(LoaderOpcode.GET_SECURITY_INFO, new int[0])
                    .payload(SecurityInfo.LENGTH));
        }
        assertThat(info.flags()).isEqualTo(SecurityInfo.SECURE_BOOT_EN | SecurityInfo.SECURE_BOOT_AGGRESSIVE_REVOKE
                | SecurityInfo.SECURE_DOWNLOAD_ENABLE | SecurityInfo.SECURE_BOOT_KEY_REVOKE1
                | SecurityInfo.HARD_DIS_JTAG | SecurityInfo.DIS_DOWNLOAD_DCACHE);
        assertThat(info.flashCryptCnt()).isEqualTo(1);
        assertThat(info.keyPurposes()).containsExactly(KeyPurpose.XTS_AES_128_KEY.value(),
                KeyPurpose.secureBootDigest(0).value(), 0, 0, 0, 0, 0);
        assertThat(info.chipId()).isEqualTo(OptionalInt.of(Chip.ESP32_S3.id()));
    }

    @Test
    void efuseRegistersReadBackAsTheDeviceEfuses() throws Exception {
        Efuses efuses = Efuses.blank(Chip.ESP32_C3).security().burnSecureVersion(5).security().burnBlockRevision(103)
                .security().burnCryptCnt(1).security().burnFlashEncryptionKey(XTS_KEY);
        LoaderDevice device = loader(Chip.ESP32_C3, 4, efuses);
        EfuseRegisters registers = EfuseRegisters.of(device.registers());
        Efuses read;
        int revision;
        int keyWord;
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            read = registers.read(a -> host.readReg(a) & 0xFFFFFFFFL, 0, 1, 2);
            revision = device.registers().revision(a -> host.readReg(a) & 0xFFFFFFFFL);
            keyWord = host.readReg(registers.blockAddress(4));
        }
        assertThat(read.security().secureVersion()).isEqualTo(5);
        assertThat(read.security().blockRevision()).isEqualTo(103);
        assertThat(read.security().cryptCnt()).isEqualTo(1);
        assertThat(revision).as("the wafer revision shares BLK1 with the block revision").isEqualTo(4);
        assertThat(keyWord).as("a read-protected key block reads 0").isZero();
        assertThat(efuses.readProtected("BLOCK_KEY0")).isTrue();
    }

    @Test
    void readFlashReturnsTheCiphertextOfAnEncryptedRegion() throws Exception {
        Efuses efuses = Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(XTS_KEY).security()
                .burnCryptCnt(1);
        LoaderDevice device = loader(Chip.ESP32_C3, 4, efuses);
        FlashCipher cipher = FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_C3, XTS_KEY));
        byte[] plain = Devices.random(0x2000, 7);
        EncryptedFlash.of(device.device().flash(), cipher).write(0x10000, plain);
        byte[] ciphertext = cipher.encrypt(0x10000, plain);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.READ_FLASH_SLOW, 0x10000, 64).payload(64))
                    .isEqualTo(Arrays.copyOf(ciphertext, 64));
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.READ_FLASH, 0x10000, plain.length, 0x1000, 64).value()).isZero();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            while (read.size() < plain.length) {
                read.write(host.frame());
                host.ackTotal(read.size());
            }
            assertThat(read.toByteArray()).isEqualTo(ciphertext).isNotEqualTo(plain);
        }
    }

    @Test
    void romEncryptedWriteHoldsTheKeysCiphertext() throws Exception {
        Efuses efuses = Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(XTS_KEY);
        LoaderDevice device = loader(Chip.ESP32_C3, 4, efuses);
        byte[] plain = Devices.random(2 * ROM_BLOCK, 8);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, plain.length, 2, ROM_BLOCK, 0x20000, 1).statusCode(0))
                    .isZero();
            for (int seq = 0; seq < 2; seq++) {
                byte[] block = Arrays.copyOfRange(plain, seq * ROM_BLOCK, (seq + 1) * ROM_BLOCK);
                assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, seq, block)).statusCode(0))
                        .isZero();
            }
        }
        FlashCipher cipher = FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32_C3, XTS_KEY));
        NorFlash flash = device.device().flash();
        assertThat(flash.read(0x20000, plain.length)).isEqualTo(cipher.encrypt(0x20000, plain));
        assertThat(EncryptedFlash.of(flash, cipher).read(0x20000, plain.length)).isEqualTo(plain);
    }

    @Test
    void esp32StubEncryptsCompressedDataPaddedTo32Bytes() throws Exception {
        Efuses efuses = Efuses.blank(Chip.ESP32).security().burnFlashEncryptionKey(ESP32_KEY).security()
                .burnFlashCryptConfig(0xF);
        LoaderDevice device = loader(Chip.ESP32, 300, efuses);
        byte[] plain = Devices.random(20010, 9);
        byte[] compressed = RomLoaderTest.deflate(plain);
        int blocks = (compressed.length + STUB_BLOCK - 1) / STUB_BLOCK;
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_BEGIN, plain.length, blocks, STUB_BLOCK, 0x10000, 1)
                    .statusCode(0)).as("the ESP32 ROM cannot encrypt")
                    .isEqualTo(LoaderErrorCode.ROM_INVALID_PARAMETER.code());
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_BEGIN, plain.length, blocks, STUB_BLOCK, 0x10000, 1)
                    .statusCode(0)).isZero();
            for (int seq = 0; seq < blocks; seq++) {
                byte[] piece = Arrays.copyOfRange(compressed, seq * STUB_BLOCK,
                        Math.min(compressed.length, (seq + 1) * STUB_BLOCK));
                assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, seq, piece))
                        .statusCode(0)).isZero();
            }
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_END, 1).statusCode(0)).isZero();
        }
        FlashCipher cipher = FlashCipher.of(FlashEncryptionKey.parse(Chip.ESP32, ESP32_KEY), 0xF);
        int padded = (plain.length + 31) / 32 * 32;
        byte[] expected = Arrays.copyOf(plain, padded);
        Arrays.fill(expected, plain.length, padded, (byte) 0xFF);
        NorFlash flash = device.device().flash();
        assertThat(flash.read(0x10000, padded)).isEqualTo(cipher.encrypt(0x10000, expected));
        assertThat(EncryptedFlash.of(flash, cipher).read(0x10000, plain.length)).isEqualTo(plain);
        assertThat(flash.read(0x10000 + padded, 32)).containsOnly(0xFF);
    }

    @Test
    void releaseModeRefusesEncryptedWritesAndKeepsPlainOnes() throws Exception {
        Efuses c3 = SecureFeatures.release(Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(XTS_KEY)
                .security().burnCryptCnt(7)).burn("ENABLE_SECURITY_DOWNLOAD", 1);
        LoaderDevice device = loader(Chip.ESP32_C3, 4, c3);
        byte[] ciphertext = Devices.random(ROM_BLOCK, 10);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, ROM_BLOCK, 1, ROM_BLOCK, 0x10000, 1).statusCode(0))
                    .isEqualTo(LoaderErrorCode.ROM_RESULT_WRONG.code());
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, ROM_BLOCK, 1, ROM_BLOCK, 0x10000, 0).statusCode(0))
                    .isZero();
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, ciphertext)).statusCode(0))
                    .isZero();
        }
        assertThat(device.device().flash().read(0x10000, ROM_BLOCK)).as("pre-encrypted bytes land as sent")
                .isEqualTo(ciphertext);
        assertThat(DownloadEncryption.of(c3, false).reason()).isEqualTo(
                "release mode forbids encrypted download; only pre-encrypted ciphertext can be written");

        Efuses esp32 = SecureFeatures.release(Efuses.blank(Chip.ESP32).security().burnFlashEncryptionKey(ESP32_KEY));
        LoaderDevice chip = loader(Chip.ESP32, 300, esp32);
        try (RawHost host = RawHost.over(chip.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, STUB_BLOCK, 1, STUB_BLOCK, 0x10000, 1).statusCode(0))
                    .as("DISABLE_DL_ENCRYPT stops the stub too").isEqualTo(LoaderErrorCode.FAILED_SPI_OP.code());
        }
    }
}
