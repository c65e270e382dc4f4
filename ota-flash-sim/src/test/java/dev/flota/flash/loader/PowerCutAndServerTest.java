package dev.flota.flash.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PowerCutAndServerTest {

    private static final int BLOCK = 0x400;

    @Test
    void romPowerCutMidBlockDropsTheConnectionAndLeavesWhatNorKept() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        NorFlash flash = device.device().flash();
        byte[] image = Devices.random(4 * BLOCK, 5);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, image.length, 4, BLOCK, 0x10000).statusCode(0))
                    .isZero();
            flash.faults().cutPowerAfterOperations(5);
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0,
                    Arrays.copyOf(image, BLOCK))).statusCode(0)).isZero();
            host.send(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 1,
                    Arrays.copyOfRange(image, BLOCK, 2 * BLOCK)));
            assertThat(host.endsConnection()).as("no reply: the link drops").isTrue();
        }
        assertThat(device.powerLost()).isTrue();
        try (RawHost host = RawHost.over(device.connect())) {
            assertThat(host.endsConnection()).as("a dead chip answers nothing").isTrue();
        }
        flash.faults().clear();
        device.reset();
        assertThat(flash.read(0x10000, BLOCK + NorFlash.PAGE_SIZE))
                .isEqualTo(Arrays.copyOf(image, BLOCK + NorFlash.PAGE_SIZE));
        assertThat(flash.read(0x10000 + BLOCK + 2 * NorFlash.PAGE_SIZE, 3 * BLOCK - 2 * NorFlash.PAGE_SIZE))
                .containsOnly(0xFF);
        try (RawHost host = RawHost.over(device.connect())) {
            assertThat(host.sync()).isEqualTo(0x20120707);
            assertThat(device.personality()).isEqualTo(LoaderDevice.Personality.ROM);
        }
    }

    @Test
    void stubPowerCutAfterTheAckDropsTheConnection() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C3, 4);
        NorFlash flash = device.device().flash();
        byte[] image = Devices.random(0x4000, 6);
        try (RawHost host = RawHost.over(device.connect())) {
            host.sync();
            host.uploadStub();
            assertThat(host.command(LoaderOpcode.FLASH_BEGIN, image.length, 1, 0x4000, 0x10000, 0).statusCode(0))
                    .isZero();
            flash.faults().cutPowerAfterOperations(4 + 1);
            assertThat(host.command(LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 0, image)).statusCode(0))
                    .as("the stub acks before it writes").isZero();
            try {
                host.send(LoaderRequest.of(LoaderOpcode.FLASH_END, 1));
            } catch (UncheckedIOException e) {
                // the device may have lost power and closed the link before the host sent this
            }
            assertThat(host.endsConnection()).isTrue();
        }
        flash.faults().clear();
        device.reset();
        assertThat(flash.read(0x10000, NorFlash.PAGE_SIZE)).as("4 sector erases, then one page")
                .isEqualTo(Arrays.copyOf(image, NorFlash.PAGE_SIZE));
        assertThat(flash.read(0x10000 + 2 * NorFlash.PAGE_SIZE, 0x100)).containsOnly(0xFF);
    }

    @Test
    void tcpServerServesOneClientAtATimeAndKeepsStateAcrossConnections() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32_C3, 4);
        try (LoaderServer server = LoaderServer.start(device)) {
            assertThat(server.port()).isPositive();
            Socket first = new Socket("127.0.0.1", server.port());
            try (RawHost host = new RawHost(first.getInputStream(), first.getOutputStream(), first)) {
                assertThat(host.sync()).isEqualTo(0x20120707);
                host.uploadStub();
            }
            Socket second = new Socket("127.0.0.1", server.port());
            try (RawHost host = new RawHost(second.getInputStream(), second.getOutputStream(), second)) {
                assertThat(host.sync()).isZero();
                assertThat(host.command(LoaderOpcode.ERASE_REGION, 0, 0x1000).statusCode(0)).isZero();
            }
        }
    }

    @Test
    void closingTheServerEndsTheConnection() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        LoaderServer server = LoaderServer.start(device, "127.0.0.1", 0, LinkModel.baud(2_000_000));
        Socket socket = new Socket("127.0.0.1", server.port());
        try (RawHost host = new RawHost(socket.getInputStream(), socket.getOutputStream(), socket)) {
            assertThat(host.sync()).isEqualTo(0x20120707);
            server.close();
            assertThat(host.endsConnection()).isTrue();
        }
    }

    @Test
    void powerCutOverTcpDropsTheSocket() throws Exception {
        LoaderDevice device = Devices.loader(Chip.ESP32, 300);
        try (LoaderServer server = LoaderServer.start(device)) {
            Socket socket = new Socket("127.0.0.1", server.port());
            try (RawHost host = new RawHost(socket.getInputStream(), socket.getOutputStream(), socket)) {
                host.sync();
                device.device().flash().faults().cutPowerAfterOperations(0);
                host.send(LoaderRequest.of(LoaderOpcode.FLASH_BEGIN, 0x1000, 1, BLOCK, 0));
                assertThat(host.endsConnection()).isTrue();
            }
        }
    }
}
