package dev.flota.flash.loader;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.SpiRegisters;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * Write enable, page program and RDSR through the SPI user-command registers, from the stub as from the ROM: how a
 * host programs flash in place, without the erase the stub's FLASH_DATA does.
 */
class SpiProgramTest {

    private static int command(RawHost host, SpiRegisters spi, int opcode, int address, byte[] mosi, int misoBits) {
        if (mosi.length > 0) {
            host.writeReg(spi.mosiDlenRegister(), mosi.length * 8 - 1);
        }
        if (misoBits > 0) {
            host.writeReg(spi.misoDlenRegister(), misoBits - 1);
        }
        host.writeReg(spi.usr1Register(), 23 << 26);
        host.writeReg(spi.usrRegister(), SpiRegisters.USR_COMMAND | (misoBits > 0 ? SpiRegisters.USR_MISO : 0)
                | (mosi.length > 0 ? SpiRegisters.USR_MOSI | SpiRegisters.USR_ADDR : 0));
        host.writeReg(spi.usr2Register(), 7 << 28 | opcode);
        host.writeReg(spi.addrRegister(), spi.addressValue(address, 24));
        for (int w = 0; w * 4 < mosi.length; w++) {
            int value = 0;
            for (int i = 0; i < 4 && w * 4 + i < mosi.length; i++) {
                value |= (mosi[w * 4 + i] & 0xFF) << (8 * i);
            }
            host.writeReg(spi.dataRegister(w), value);
        }
        host.writeReg(spi.cmdRegister(), SpiRegisters.USR_START);
        assertThat(host.readReg(spi.cmdRegister()) & SpiRegisters.USR_START).isZero();
        return host.readReg(spi.dataRegister(0));
    }

    @Test
    void pageProgramNeedsWriteEnableAndProgramsInPlaceFromTheStub() throws Exception {
        for (Chip chip : new Chip[] {Chip.ESP32, Chip.ESP32_C3}) {
            LoaderDevice device = Devices.loader(chip, chip == Chip.ESP32 ? 300 : 4);
            NorFlash flash = device.device().flash();
            byte[] old = new byte[64];
            Arrays.fill(old, (byte) 0x0F);
            flash.program(0x9000, old);
            byte[] data = Devices.random(64, 2);
            for (int i = 0; i < 64; i++) {
                data[i] &= old[i];
            }
            byte[] second = Devices.random(32, 3);
            for (int i = 0; i < 32; i++) {
                second[i] &= i < 16 ? data[48 + i] : data[i - 16];
            }
            SpiRegisters spi = device.registers().spi();
            try (RawHost host = RawHost.over(device.connect())) {
                host.sync();
                host.uploadStub();
                command(host, spi, 0x02, 0x9000, data, 0);
                assertThat(flash.read(0x9000, 64)).as("no write enable, no program").isEqualTo(old);
                command(host, spi, 0x06, 0, new byte[0], 0);
                assertThat(command(host, spi, 0x05, 0, new byte[0], 8) & 0xFF).as("WEL").isEqualTo(2);
                command(host, spi, 0x02, 0x9000, data, 0);
                assertThat(command(host, spi, 0x05, 0, new byte[0], 8) & 0xFF).as("WEL cleared, idle").isZero();

                command(host, spi, 0x06, 0, new byte[0], 0);
                command(host, spi, 0x02, 0x9030, second, 0);
                command(host, spi, 0x06, 0, new byte[0], 0);
                command(host, spi, 0x02, 0x90F0, second, 0);
            }
            byte[] expected = data.clone();
            System.arraycopy(second, 0, expected, 0x30, 16);
            for (int i = 0; i < 16; i++) {
                expected[i] &= second[16 + i];
            }
            assertThat(flash.read(0x9000, 64)).as(chip + ": programmed in place, nothing erased; the program at 0x90F0"
                    + " wraps to the page start")
                    .isEqualTo(expected);
            assertThat(flash.read(0x90F0, 16)).isEqualTo(Arrays.copyOf(second, 16));
            assertThat(flash.read(0x9100, 16)).as("nothing past the page").containsOnly(0xFF);
        }
    }
}
