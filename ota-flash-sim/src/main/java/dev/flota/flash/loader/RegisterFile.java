package dev.flota.flash.loader;

import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.ChipRegisters;
import dev.flota.flash.serial.SpiRegisters;
import java.util.HashMap;
import java.util.Map;

/**
 * The chip's registers as READ_REG and WRITE_REG see them: the ROM magic word, the eFuse words of the device's
 * revision and MAC merged with its burned eFuses ({@link dev.flota.flash.serial.EfuseRegisters}), UART_CLKDIV for the current baud (ESP32), everything written since reset, 0 elsewhere; and the SPI
 * user-command engine, which runs a flash command when {@code SPI_CMD} bit 18 is written and clears the bit at once:
 * RDID and SFDP, and the commands that program flash in place from ROM or stub, as {@code spi_flash} does: write
 * enable (0x06), write disable (0x04), page program (0x02: the MOSI bytes at the 24-bit address, wrapping within its
 * 256-byte page, NOR rules; ignored without write enable, which it clears) and RDSR (0x05: WEL in bit 1; WIP, bit 0,
 * reads 0, as the program is done when the reply goes out).
 */
final class RegisterFile {

    private static final int JEDEC_WINBOND = 0xEF;
    private static final int JEDEC_TYPE = 0x40;
    private static final byte[] SFDP_HEADER = {'S', 'F', 'D', 'P', 0x06, 0x01, 0x00, (byte) 0xFF, 0x00, 0x06, 0x01,
        0x10, 0x30, 0x00, 0x00, (byte) 0xFF};

    private final ChipRegisters chip;
    private final SpiRegisters spi;
    private static final int PAGE = 256;

    private final NorFlash flash;
    private final long flashSize;
    private final Map<Long, Integer> fixed;
    private final Map<Long, Integer> written = new HashMap<>();
    private int baud;
    private boolean writeEnabled;

    RegisterFile(ChipRegisters chip, int revision, byte[] mac, NorFlash flash, int baud, Map<Long, Integer> efuses) {
        this.chip = chip;
        this.spi = chip.spi();
        this.flash = flash;
        this.flashSize = flash.size();
        this.fixed = new HashMap<>(chip.efuseWords(revision, mac));
        efuses.forEach((address, value) -> this.fixed.merge(address, value, (a, b) -> a | b));
        this.fixed.put(ChipRegisters.MAGIC_REGISTER, chip.magicValue());
        this.baud = baud;
    }

    void baud(int value) {
        baud = value;
    }

    int read(long address) {
        Integer value = written.get(address);
        if (value != null) {
            return value;
        }
        if (chip.uartClkdivRegister().isPresent() && chip.uartClkdivRegister().getAsLong() == address) {
            return ChipRegisters.uartClkdiv(baud);
        }
        return fixed.getOrDefault(address, 0);
    }

    /** {@code new = (old & ~mask) | (value & mask)}; a write setting {@code SPI_CMD}'s USR bit runs the command. */
    void write(long address, int value, int mask) {
        int merged = (read(address) & ~mask) | (value & mask);
        if (address == spi.cmdRegister() && (merged & SpiRegisters.USR_START) != 0) {
            execute();
            merged &= ~SpiRegisters.USR_START;
        }
        written.put(address, merged);
    }

    private void execute() {
        int usr = read(spi.usrRegister());
        int opcode = read(spi.usr2Register()) & 0xFF;
        int misoBits = (usr & SpiRegisters.USR_MISO) != 0 ? (read(spi.misoDlenRegister()) & 0xFFFFFF) + 1 : 0;
        int mosiBits = (usr & SpiRegisters.USR_MOSI) != 0 ? (read(spi.mosiDlenRegister()) & 0xFFFFFF) + 1 : 0;
        int addressBits = (usr & SpiRegisters.USR_ADDR) != 0 ? (read(spi.usr1Register()) >>> 26) + 1 : 0;
        int address = spi.flashAddress(read(spi.addrRegister()), addressBits);
        byte[] result = new byte[(Math.min(misoBits, 32 * SpiRegisters.DATA_WORDS) + 7) / 8];
        switch (opcode) {
            case 0x9F -> {
                int id = JEDEC_WINBOND | JEDEC_TYPE << 8 | capacityCode() << 16;
                for (int i = 0; i < Math.min(3, result.length); i++) {
                    result[i] = (byte) (id >>> (8 * i));
                }
            }
            case 0x5A -> {
                for (int i = 0; i < result.length; i++) {
                    int at = address + i;
                    result[i] = at >= 0 && at < SFDP_HEADER.length ? SFDP_HEADER[at] : (byte) 0xFF;
                }
            }
            case 0x06 -> writeEnabled = true;
            case 0x04 -> writeEnabled = false;
            case 0x02 -> pageProgram(address, Math.min(mosiBits, 32 * SpiRegisters.DATA_WORDS) / 8);
            case 0x05 -> {
                if (result.length > 0) {
                    result[0] = (byte) (writeEnabled ? 2 : 0);
                }
            }
            default -> {
                // RDSR2/3 (0x35/0x15) read 0; 0x66/0x99 (reset) and others return nothing.
            }
        }
        if (misoBits > 0) {
            for (int word = 0; word * 4 < result.length; word++) {
                int value = 0;
                for (int i = 0; i < 4 && word * 4 + i < result.length; i++) {
                    value |= (result[word * 4 + i] & 0xFF) << (8 * i);
                }
                written.put(spi.dataRegister(word), value);
            }
        }
    }

    private void pageProgram(int address, int length) {
        if (!writeEnabled) {
            return;
        }
        writeEnabled = false;
        long at = address & 0xFFFFFFL;
        if (at >= flashSize || length == 0) {
            return;
        }
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++) {
            data[i] = (byte) (read(spi.dataRegister(i / 4)) >>> (8 * (i % 4)));
        }
        long page = at / PAGE * PAGE;
        int first = (int) Math.min(length, page + PAGE - at);
        try {
            flash.program(at, data, 0, first);
            if (first < length) {
                flash.program(page, data, first, length - first);
            }
        } catch (FlashException e) {
            LoaderMachine.rethrowPowerLoss(e);
            // A program the simulated NOR refuses (a 0 bit back to 1) changes nothing, which a read-back shows.
        }
    }

    /** The JEDEC capacity byte: log2 of the size in bytes (0x16 for 4 MiB). */
    private int capacityCode() {
        return 63 - Long.numberOfLeadingZeros(flashSize);
    }
}
