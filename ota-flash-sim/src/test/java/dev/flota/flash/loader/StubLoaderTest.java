package dev.flota.flash.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import java.io.ByteArrayOutputStream;
import java.security.MessageDigest;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class StubLoaderTest {

    private static final int BLOCK = 0x4000;

    @Test
    void stubUploadSwitchesToTheStubDialect() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C3, 4);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(device.personality()).isEqualTo(LoaderDevice.Personality.STUB);
            assertThat(host.sync()).isZero();
            assertThat(host.command(LoaderOpcode.READ_REG, 0x40001000).data()).containsExactly(0, 0);
            assertThat(host.command(new LoaderRequest(0x55, 0, new byte[0])).data()).containsExactly(0xC3, 0);
            assertThat(host.command(LoaderOpcode.READ_FLASH_SLOW, 0, 64).data()).containsExactly(0xC3, 0);
            assertThat(host.command(LoaderOpcode.SPI_ATTACH, 0).statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.SPI_ATTACH, 0, 0).statusCode(0))
                    .isEqualTo(LoaderErrorCode.BAD_DATA_LEN.code());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {16, 20})
    void compressedWriteMd5AndStreamedRead(int beginLength) throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        byte[] image = new byte[40000];
        for (int i = 0; i < image.length; i++) {
            image[i] = (byte) (i * 7 % 13 == 0 ? i : 0);
        }
        byte[] compressed = RomLoaderTest.deflate(image);
        int blocks = (compressed.length + BLOCK - 1) / BLOCK;
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            int[] begin = beginLength == 20 ? new int[] {image.length, blocks, BLOCK, 0x10000, 0}
                    : new int[] {image.length, blocks, BLOCK, 0x10000};
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_BEGIN, begin).statusCode(0)).isZero();
            for (int seq = 0; seq < blocks; seq++) {
                byte[] piece = Arrays.copyOfRange(compressed, seq * BLOCK,
                        Math.min(compressed.length, (seq + 1) * BLOCK));
                assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, seq, piece))
                        .statusCode(0)).isZero();
            }
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_END, 1).statusCode(0)).isZero();
            LoaderResponse md5 = host.command(LoaderOpcode.SPI_FLASH_MD5, 0x10000, image.length, 0, 0);
            assertThat(md5.data()).hasSize(18);
            assertThat(md5.payload(16)).isEqualTo(MessageDigest.getInstance("MD5").digest(image));

            assertThat(host.command(LoaderOpcode.READ_FLASH, 0x10000, image.length, 0x1000, 64).value()).isZero();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            while (read.size() < image.length) {
                byte[] packet = host.frame();
                assertThat(packet.length).isEqualTo(Math.min(0x1000, image.length - read.size()));
                read.write(packet);
                host.ackTotal(read.size());
            }
            assertThat(read.toByteArray()).isEqualTo(image);
            assertThat(host.frame()).isEqualTo(MessageDigest.getInstance("MD5").digest(image));
        }
        assertThat(device.device().flash().read(0x10000 + image.length, 16)).containsOnly(0xFF);
    }

    @Test
    void plainStubWriteTrimsToSizeAndErasesLazily() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_S3, 2);
        NorFlash flash = device.device().flash();
        flash.program(0x20000, new byte[] {0x00});
        flash.program(0x26000, new byte[] {0x00});
        byte[] image = Devices.random(BLOCK + 100, 3);
        byte[] last = Arrays.copyOf(Arrays.copyOfRange(image, BLOCK, image.length), BLOCK);
        Arrays.fill(last, 100, BLOCK, (byte) 0xFF);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, image.length, 2, BLOCK, 0x20000, 0).statusCode(0))
                    .isZero();
            assertThat(flash.read(0x20000, 1)).as("nothing erased yet").containsExactly(0);
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0,
                    Arrays.copyOf(image, BLOCK))).statusCode(0)).isZero();
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 1, last)).statusCode(0))
                    .isZero();
            assertThat(host.command(LoaderOpcode.FLASH_END, 1).statusCode(0)).isZero();
        }
        assertThat(flash.read(0x20000, image.length)).isEqualTo(image);
        assertThat(flash.read(0x26000, 1)).as("beyond the announced size, untouched").containsExactly(0);
    }

    @Test
    void eraseRegionAndEraseFlash() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C3, 4);
        NorFlash flash = device.device().flash();
        flash.program(0x1000, new byte[] {1});
        flash.program(0x3000, new byte[] {2});
        flash.program(0x5000, new byte[] {3});
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.ERASE_REGION, 0x1000, 0x1000).statusCode(0)).isZero();
            assertThat(flash.read(0x1000, 1)).containsExactly(0xFF);
            assertThat(flash.read(0x3000, 1)).containsExactly(2);
            assertThat(host.command(LoaderOpcode.ERASE_REGION, 0x3000, 0x800).statusCode(0))
                    .isEqualTo(LoaderErrorCode.BAD_DATA_LEN.code());
            assertThat(flash.read(0x3000, 1)).containsExactly(2);
            assertThat(host.command(LoaderOpcode.ERASE_REGION, Devices.FLASH_SIZE, 0x1000).statusCode(0))
                    .isEqualTo(LoaderErrorCode.FAILED_SPI_OP.code());
            assertThat(host.command(LoaderOpcode.ERASE_FLASH).statusCode(0)).isZero();
            assertThat(flash.read(0x5000, 1)).containsExactly(0xFF);
        }
    }

    @Test
    void errorRepliesOfTheStub() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C3, 4);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, new byte[16])).statusCode(0))
                    .isEqualTo(LoaderErrorCode.NOT_IN_FLASH_MODE.code());
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, 0x1000, 1, BLOCK, Devices.FLASH_SIZE, 0).statusCode(0))
                    .isEqualTo(LoaderErrorCode.BAD_DATA_LEN.code());
            assertThat(host.command(LoaderOpcode.SPI_FLASH_MD5, Devices.FLASH_SIZE, 16, 0, 0).statusCode(0))
                    .isEqualTo(LoaderErrorCode.FAILED_SPI_OP.code());
            assertThat(host.command(LoaderOpcode.READ_FLASH, 0, 64, 0x2000, 1).statusCode(0))
                    .isEqualTo(LoaderErrorCode.BAD_BLOCKSIZE.code());

            assertThat(host.command(LoaderOpcode.FLASH_DEFL_BEGIN, 0x1000, 1, BLOCK, 0, 0).statusCode(0)).isZero();
            LoaderRequest good = LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, 0, new byte[] {1, 2, 3});
            assertThat(host.command(new LoaderRequest(good.opcode(), good.checksum() ^ 0x40, good.data()))
                    .statusCode(0)).isEqualTo(LoaderErrorCode.BAD_DATA_CHECKSUM.code());
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DEFL_DATA, 0,
                    new byte[] {0x78, (byte) 0xDA, (byte) 0xFF, (byte) 0xFF})).statusCode(0))
                    .as("acked before inflating").isZero();
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_END, 1).statusCode(0))
                    .as("the inflate error, on the next command").isEqualTo(LoaderErrorCode.INFLATE_ERROR.code());
            assertThat(host.command(LoaderOpcode.FLASH_DEFL_END, 1).statusCode(0))
                    .as("the write was abandoned").isEqualTo(LoaderErrorCode.NOT_IN_FLASH_MODE.code());

            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, 0x2000, 1, BLOCK, 0, 0).statusCode(0)).isZero();
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, new byte[0x1000]))
                    .statusCode(0)).isZero();
            assertThat(host.command(LoaderOpcode.FLASH_END, 1).statusCode(0)).as("bytes missing")
                    .isEqualTo(LoaderErrorCode.BAD_DATA_LEN.code());

            byte[] wrongDirection = LoaderRequest.of(LoaderOpcode.READ_REG, 0).encode();
            wrongDirection[0] = 2;
            host.sendRaw(dev.flota.flash.serial.Slip.encode(wrongDirection));
            assertThat(host.response().statusCode(0)).isEqualTo(LoaderErrorCode.INVALID_COMMAND.code());
            byte[] wrongLength = LoaderRequest.of(LoaderOpcode.READ_REG, 0).encode();
            wrongLength[2] = 3;
            host.sendRaw(dev.flota.flash.serial.Slip.encode(wrongLength));
            assertThat(host.response().statusCode(0)).isEqualTo(LoaderErrorCode.BAD_DATA_LEN.code());
        }
    }

    @Test
    void esp32StubHasNoSecurityInfo() throws Exception {
        try (RawHost host = RawHost.over(Devices.loader(Chip.ESP32, 300).connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.GET_SECURITY_INFO).statusCode(0))
                    .isEqualTo(LoaderErrorCode.CMD_NOT_IMPLEMENTED.code());
        }
    }

    @Test
    void readFlashToleratesManyInFlightAndAnUnreadDigest() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C3, 4);
        byte[] data = Devices.random(0x3000, 4);
        device.device().flash().program(0, data);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.READ_FLASH, 0, data.length, 0x1000, 1024).statusCode(0)).isZero();
            ByteArrayOutputStream read = new ByteArrayOutputStream();
            while (read.size() < data.length) {
                read.write(host.frame());
                host.ackTotal(read.size());
            }
            assertThat(read.toByteArray()).isEqualTo(data);
            host.frame();
            assertThat(host.readReg(0x40001000L)).as("next command after an unread digest").isNotZero();
        }
    }

    @Test
    void reconnectKeepsTheStubAndResetReturnsToTheRom() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C6, 1);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
        }
        try (RawHost host = RawHost.over(device.connect())) {
            assertThat(host.sync()).as("stub still running").isZero();
        }
        device.reset();
        try (RawHost host = RawHost.over(device.connect())) {
            assertThat(host.sync()).isEqualTo(0x20120707);
        }
    }

    @Test
    void stubBlockLengthMismatchAndRunUserCode() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_H2, 1);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, 0x1000, 1, BLOCK, 0).statusCode(0)).isZero();
            LoaderRequest block = LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, new byte[64]);
            byte[] data = block.data();
            data[0] = 65;
            assertThat(host.command(new LoaderRequest(block.opcode(), block.checksum(), data)).statusCode(0))
                    .isEqualTo(LoaderErrorCode.TOO_MUCH_DATA.code());
            host.send(LoaderRequest.of(LoaderOpcode.RUN_USER_CODE));
            host.send(LoaderRequest.of(LoaderOpcode.SYNC, RawHost.SYNC));
            host.send(LoaderRequest.of(LoaderOpcode.READ_REG, 0x40001000));
        }
        assertThat(device.personality()).isEqualTo(LoaderDevice.Personality.APP);
    }
}
