package dev.flota.flash.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SecurityInfo;
import dev.flota.flash.serial.SpiRegisters;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.zip.Deflater;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class RomLoaderTest {

    private static final int BLOCK = 0x400;

    @Test
    void syncAnswersEightTimesWithNonZeroValueAndRepeats() throws Exception {
        try (RawHost host = RawHost.over(Devices.loader(Chip.ESP32, 300).connect())) {
            assertThat(host.sync()).isEqualTo(0x20120707);
            assertThat(host.sync()).isEqualTo(0x20120707);
            assertThat(host.command(LoaderOpcode.READ_REG, 0x40001000).data()).containsExactly(0, 0, 0, 0);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_S2", "ESP32_S3", "ESP32_C3", "ESP32_C6", "ESP32_H2"})
    void detectionRegistersAndSecurityInfo(Chip chip) throws Exception {
        int revision = chip == Chip.ESP32 ? 301 : chip == Chip.ESP32_S2 ? 100 : 4;
        LoaderDevice device = Devices.loader(chip, revision);
        ChipRegisters registers = ChipRegisters.of(chip).orElseThrow();
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.readReg(ChipRegisters.MAGIC_REGISTER)).isEqualTo(registers.magicValue());
            LoaderResponse security = host.command(LoaderOpcode.GET_SECURITY_INFO);
            if (chip == Chip.ESP32) {
                assertThat(security.data()).containsExactly(1, 5, 0, 0);
                assertThat(security.unsupportedCommand()).isTrue();
            } else {
                int length = chip == Chip.ESP32_S2 ? 12 : 20;
                assertThat(security.statusCode(length)).isZero();
                SecurityInfo info = SecurityInfo.parse(security.payload(length));
                if (chip == Chip.ESP32_S2) {
                    assertThat(info.chipId()).isEmpty();
                } else {
                    assertThat(info.chipId()).hasValue(chip.id());
                }
            }
            assertThat(registers.revision(host::readReg)).isEqualTo(revision);
            assertThat(registers.mac(address -> host.readReg(address))).isEqualTo(LoaderDevice.defaultMac());
            assertThat(host.readReg(0x12345678L)).isZero();
            if (chip == Chip.ESP32) {
                assertThat(registers.crystalMhz(host::readReg, 115200)).isEqualTo(40);
            }
        }
    }

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_S3", "ESP32_C3", "ESP32_C6"})
    void flashIdAndSfdpThroughSpiRegisters(Chip chip) throws Exception {
        SpiRegisters spi = ChipRegisters.of(chip).orElseThrow().spi();
        try (RawHost host = RawHost.over(Devices.loader(chip, 0).connect())) {
            host.sync();
            assertThat(spiCommand(host, spi, 0x9F, 24, 0, 0) & 0xFFFFFF).isEqualTo(0x1440EF);
            assertThat(spiCommand(host, spi, 0x5A, 32, 0, 24)).isEqualTo(0x50444653);
            assertThat(spiCommand(host, spi, 0x5A, 8, 0x10, 24) & 0xFF).isNotEqualTo(0x20);
            assertThat(spiCommand(host, spi, 0x05, 8, 0, 0) & 0xFF).isZero();
            spiCommand(host, spi, 0x66, 0, 0, 0);
            spiCommand(host, spi, 0x99, 0, 0, 0);
        }
    }

    /** esptool's run_spiflash_command, with CMD polled once. */
    private static int spiCommand(RawHost host, SpiRegisters spi, int opcode, int misoBits, int address,
            int addressBits) {
        int oldUsr = host.readReg(spi.usrRegister());
        int oldUsr2 = host.readReg(spi.usr2Register());
        int usr = SpiRegisters.USR_COMMAND;
        if (misoBits > 0) {
            host.writeReg(spi.misoDlenRegister(), misoBits - 1);
            usr |= SpiRegisters.USR_MISO;
        }
        if (addressBits > 0) {
            host.writeReg(spi.usr1Register(), (addressBits - 1) << 26 | 7);
            usr |= SpiRegisters.USR_ADDR | SpiRegisters.USR_DUMMY;
        }
        host.writeReg(spi.usrRegister(), usr);
        host.writeReg(spi.usr2Register(), 7 << 28 | opcode);
        if (addressBits > 0) {
            host.writeReg(spi.addrRegister(), spi.addressValue(address, addressBits));
        }
        host.writeReg(spi.dataRegister(0), 0);
        host.writeReg(spi.cmdRegister(), SpiRegisters.USR_START);
        assertThat(host.readReg(spi.cmdRegister()) & SpiRegisters.USR_START).as("CMD bit 18 after execution").isZero();
        int result = host.readReg(spi.dataRegister(0));
        host.writeReg(spi.usrRegister(), oldUsr);
        host.writeReg(spi.usr2Register(), oldUsr2);
        return result;
    }

    @Test
    void plainWriteLandsPaddedAndMd5IsLowercaseHex() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        byte[] image = Devices.random(5000, 1);
        byte[] padded = Arrays.copyOf(image, 5 * BLOCK);
        Arrays.fill(padded, image.length, padded.length, (byte) 0xFF);
        device.device().flash().program(0x10000 + 0x800, new byte[] {0x00});
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.SPI_ATTACH, 0, 0).statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.SPI_SET_PARAMS, 0, Devices.FLASH_SIZE, 0x10000, 0x1000, 0x100,
                    0xFFFF).statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, image.length, 5, BLOCK, 0x10000).statusCode(0))
                    .isZero();
            for (int seq = 4; seq >= 0; seq--) {
                byte[] block = Arrays.copyOfRange(padded, seq * BLOCK, (seq + 1) * BLOCK);
                assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, seq, block)).statusCode(0))
                        .as("block %d", seq).isZero();
            }
            LoaderResponse md5 = host.command(LoaderOpcode.SPI_FLASH_MD5, 0x10000, padded.length, 0, 0);
            assertThat(md5.statusCode(32)).isZero();
            assertThat(new String(md5.payload(32), "US-ASCII"))
                    .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(padded)));
        }
        NorFlash flash = device.device().flash();
        assertThat(flash.read(0x10000, padded.length)).isEqualTo(padded);
        assertThat(flash.read(0x10000 + padded.length, 16)).containsOnly(0xFF);
    }

    @Test
    void compressedWriteInflatesBeforeAcking() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C3, 4);
        byte[] image = new byte[20000];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i % 251 < 100 ? i : 0x5A);
        }
        byte[] compressed = deflate(image);
        int blocks = (compressed.length + BLOCK - 1) / BLOCK;
        int rounded = (image.length + BLOCK - 1) / BLOCK * BLOCK;
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_BEGIN, rounded, blocks, BLOCK, 0x20000, 0).statusCode(0))
                    .isZero();
            for (int seq = 0; seq < blocks; seq++) {
                byte[] piece = Arrays.copyOfRange(compressed, seq * BLOCK, Math.min(compressed.length,
                        (seq + 1) * BLOCK));
                assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, seq, piece))
                        .statusCode(0)).isZero();
            }
            assertThat(device.device().flash().read(0x20000, image.length)).isEqualTo(image);
            LoaderResponse md5 = host.command(LoaderOpcode.SPI_FLASH_MD5, 0x20000, image.length, 0, 0);
            assertThat(new String(md5.payload(32), "US-ASCII"))
                    .isEqualTo(HexFormat.of().formatHex(MessageDigest.getInstance("MD5").digest(image)));
        }
    }

    @Test
    void readFlashSlowAlwaysAnswers64Bytes() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        byte[] data = Devices.random(100, 2);
        device.device().flash().program(0x3000, data);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            LoaderResponse response = host.command(LoaderOpcode.READ_FLASH_SLOW, 0x3000, 10);
            assertThat(response.data()).hasSize(64 + 4);
            assertThat(response.statusCode(64)).isZero();
            assertThat(response.payload(10)).isEqualTo(Arrays.copyOf(data, 10));
        }
    }

    @Test
    void errorRepliesOfTheRom() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, 0x1000, 4, BLOCK, 0).statusCode(0)).isZero();
            LoaderRequest good = LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, new byte[BLOCK]);
            LoaderRequest corrupted = new LoaderRequest(good.opcode(), good.checksum() ^ 1, good.data());
            assertThat(host.command(corrupted).statusCode(0)).isEqualTo(LoaderErrorCode.ROM_CHECKSUM.code());
            assertThat(device.device().flash().read(0, 4)).as("nothing written").containsOnly(0xFF);

            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, 0x1000, 1, BLOCK, Devices.FLASH_SIZE).data())
                    .containsExactly(1, 1, 0, 0);
            assertThat(host.command(LoaderOpcode.SPI_FLASH_MD5, Devices.FLASH_SIZE - 16, 32, 0, 0).statusCode(0))
                    .isEqualTo(LoaderErrorCode.ROM_INVALID_PARAMETER.code());
            assertThat(host.command(LoaderOpcode.READ_FLASH_SLOW, 0, 65).statusCode(0))
                    .isEqualTo(LoaderErrorCode.ROM_INVALID_PARAMETER.code());
            assertThat(host.command(LoaderOpcode.READ_REG, 1, 2).statusCode(0))
                    .isEqualTo(LoaderErrorCode.ROM_INVALID_PARAMETER.code());

            assertThat(host.command(LoaderOpcode.ERASE_FLASH).data()).containsExactly(1, 5, 0, 0);
            assertThat(host.command(LoaderOpcode.READ_FLASH, 0, 64, 64, 1).data()).containsExactly(1, 5, 0, 0);
            assertThat(host.command(new LoaderRequest(0x55, 0, new byte[0])).data()).containsExactly(1, 5, 0, 0);

            byte[] lying = LoaderRequest.of(LoaderOpcode.READ_REG, 0x40001000).encode();
            lying[2] = 9;
            host.sendRaw(dev.flota.flash.serial.Slip.encode(lying));
            assertThat(host.response().statusCode(0)).isEqualTo(LoaderErrorCode.ROM_INVALID_FORMAT.code());

            assertThat(host.readReg(ChipRegisters.MAGIC_REGISTER)).as("still answering").isEqualTo(0x00F01D83);
        }
    }

    @Test
    void romAssumes2MbUntilSpiSetParams() throws Exception {
        NorFlash flash = NorFlash.create(dev.flota.flash.nor.FlashStorage.inMemory(4 << 20),
                dev.flota.flash.nor.FlashConfig.defaults().timing(dev.flota.flash.nor.FlashTiming.instant()));
        LoaderDevice device = LoaderDevice.of(dev.flota.flash.device.Device.of(flash,
                dev.flota.flash.device.DeviceProperties.of(Chip.ESP32)));
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.SPI_FLASH_MD5, 0x300000, 0x1000, 0, 0).statusCode(0))
                    .isEqualTo(LoaderErrorCode.ROM_INVALID_PARAMETER.code());
            assertThat(host.command(LoaderOpcode.SPI_SET_PARAMS, 0, 4 << 20, 0x10000, 0x1000, 0x100, 0xFFFF)
                    .statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.SPI_FLASH_MD5, 0x300000, 0x1000, 0, 0).statusCode(32)).isZero();
        }
    }

    @Test
    void changeBaudrateIsTrackedInUartClkdiv() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.readReg(ChipRegisters.ESP32_UART_CLKDIV)).isEqualTo(347);
            assertThat(host.command(LoaderOpcode.CHANGE_BAUDRATE, 0, 0).statusCode(0)).isZero();
            assertThat(host.readReg(ChipRegisters.ESP32_UART_CLKDIV)).isEqualTo(347);
            assertThat(host.command(LoaderOpcode.CHANGE_BAUDRATE, 460800, 0).statusCode(0)).isZero();
            assertThat(host.readReg(ChipRegisters.ESP32_UART_CLKDIV)).isEqualTo(86);
            assertThat(device.baudRate()).isEqualTo(460800);
        }
    }

    @Test
    void writeRegAppliesMasksAndSeveralEntries() throws Exception {
        try (RawHost host = RawHost.over(Devices.loader(Chip.ESP32_S3, 2).connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.WRITE_REG, 0x6000812C, 0xFFFF, 0x00F0, 0,
                    0x60008130, 0x1234, 0xFFFFFFFF, 0).statusCode(0)).isZero();
            assertThat(host.readReg(0x6000812CL)).isEqualTo(0xF0);
            assertThat(host.readReg(0x60008130L)).isEqualTo(0x1234);
            assertThat(host.command(LoaderOpcode.WRITE_REG, 0x6000812C, 0, 0x10, 0).statusCode(0)).isZero();
            assertThat(host.readReg(0x6000812CL)).isEqualTo(0xE0);
        }
    }

    @Test
    void flashEndLeavesTheLoader() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, 0, 0, BLOCK, 0).statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.FLASH_END, 1).statusCode(0)).isZero();
            assertThat(device.personality()).isEqualTo(LoaderDevice.Personality.APP);
        }
        device.reset();
        try (RawHost host = RawHost.over(device.connect())) {
            assertThat(host.sync()).isEqualTo(0x20120707);
        }
    }

    static byte[] deflate(byte[] data) {
        Deflater deflater = new Deflater(9);
        deflater.setInput(data);
        deflater.finish();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        byte[] buffer = new byte[4096];
        while (!deflater.finished()) {
            out.write(buffer, 0, deflater.deflate(buffer));
        }
        deflater.end();
        return out.toByteArray();
    }

    @Test
    void garbledFramesAreDroppedAndTheRomKeepsAnswering() throws Exception {
        try (RawHost host = RawHost.over(Devices.loader(Chip.ESP32_C3, 4).connect())) {
            host.sendRaw(new byte[] {'n', 'o', 'i', 's', 'e', (byte) 0xC0, 0x00, (byte) 0xDB, 0x41, (byte) 0xC0});
            host.sendRaw(new byte[] {(byte) 0xC0, 0x01, 0x02, (byte) 0xC0});
            assertThat(host.readReg(ChipRegisters.MAGIC_REGISTER)).isEqualTo(0x1B31506F);
        }
    }

    @Test
    void compressedRomBlocksMustComeInOrder() throws Exception {
        byte[] compressed = deflate(Devices.random(3 * BLOCK, 9));
        try (RawHost host = RawHost.over(Devices.loader(Chip.ESP32, 300).connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_BEGIN, 3 * BLOCK, 4, BLOCK, 0).statusCode(0)).isZero();
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, 1,
                    Arrays.copyOfRange(compressed, BLOCK, 2 * BLOCK))).statusCode(0))
                    .isEqualTo(LoaderErrorCode.ROM_INVALID_PARAMETER.code());
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, 0,
                    Arrays.copyOf(compressed, BLOCK))).statusCode(0)).isZero();
        }
    }
}
