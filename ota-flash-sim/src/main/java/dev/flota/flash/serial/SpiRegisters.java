package dev.flota.flash.serial;

/**
 * Where a chip's SPI0/SPI1 user-command registers are, for running a flash command (RDID, SFDP, RDSR…) through
 * WRITE_REG/READ_REG as esptool's {@code run_spiflash_command} does. Offsets are from {@link #base()}.
 *
 * @param base                 the SPI controller's base address
 * @param cmd                  {@code SPI_CMD} ({@link #USR_START} starts the command and reads 0 once done)
 * @param addr                 {@code SPI_ADDR}
 * @param usr                  {@code SPI_USER}
 * @param usr1                 {@code SPI_USER1}
 * @param usr2                 {@code SPI_USER2}: {@code 7 << 28 | opcode}
 * @param mosiDlen             {@code SPI_MOSI_DLEN}: bits - 1
 * @param misoDlen             {@code SPI_MISO_DLEN}: bits - 1
 * @param w0                   {@code SPI_W0}, the first data word
 * @param addressLeftAligned   whether the address sits in the top bits of {@code SPI_ADDR} (ESP32)
 */
public record SpiRegisters(long base, int cmd, int addr, int usr, int usr1, int usr2, int mosiDlen, int misoDlen,
        int w0, boolean addressLeftAligned) {

    /** {@code SPI_USR} in {@code SPI_CMD}. */
    public static final int USR_START = 1 << 18;
    public static final int USR_COMMAND = 1 << 31;
    public static final int USR_ADDR = 1 << 30;
    public static final int USR_DUMMY = 1 << 29;
    public static final int USR_MISO = 1 << 28;
    public static final int USR_MOSI = 1 << 27;
    /** The data registers {@code W0..W15}. */
    public static final int DATA_WORDS = 16;

    public long cmdRegister() {
        return base + cmd;
    }

    public long addrRegister() {
        return base + addr;
    }

    public long usrRegister() {
        return base + usr;
    }

    public long usr1Register() {
        return base + usr1;
    }

    public long usr2Register() {
        return base + usr2;
    }

    public long mosiDlenRegister() {
        return base + mosiDlen;
    }

    public long misoDlenRegister() {
        return base + misoDlen;
    }

    /** {@code SPI_Wn}. */
    public long dataRegister(int n) {
        if (n < 0 || n >= DATA_WORDS) {
            throw new IllegalArgumentException("W" + n + " does not exist");
        }
        return base + w0 + 4L * n;
    }

    /** True when {@code address} is one of these registers (CMD … W15). */
    public boolean contains(long address) {
        long offset = address - base;
        return offset >= 0 && offset < w0 + 4L * DATA_WORDS && offset % 4 == 0;
    }

    /** The {@code SPI_ADDR} value for {@code address} sent with {@code addressBits} bits. */
    public int addressValue(int address, int addressBits) {
        return addressLeftAligned && addressBits > 0 && addressBits < 32 ? address << (32 - addressBits) : address;
    }

    /** The flash address the device sees in {@code SPI_ADDR} for a command with {@code addressBits} bits. */
    public int flashAddress(int addrValue, int addressBits) {
        return addressLeftAligned && addressBits > 0 && addressBits < 32 ? addrValue >>> (32 - addressBits)
                : addrValue;
    }
}
