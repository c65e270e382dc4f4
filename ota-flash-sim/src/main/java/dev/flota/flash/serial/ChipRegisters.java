package dev.flota.flash.serial;

import dev.flota.flash.image.Chip;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.function.LongUnaryOperator;

/**
 * What a host reads from a chip in download mode and a device must answer, per chip: the detection facts (the magic
 * word at {@link #MAGIC_REGISTER}, whether the ROM has GET_SECURITY_INFO), the eFuse words that carry the MAC and the
 * chip revision, the SPI user-command registers and the crystal. One implementation for both sides: the device builds
 * its registers with {@link #efuseWords(int, byte[])}, the host decodes them with {@link #revision(LongUnaryOperator)}
 * and {@link #mac(LongUnaryOperator)}. Known for ESP32, ESP32-S2, -S3, -C3, -C6 and -H2 ({@link #of(Chip)}).
 */
public final class ChipRegisters {

    /** The ROM word esptool and esptool-js read to tell chips apart. */
    public static final long MAGIC_REGISTER = 0x40001000L;
    /** The ESP32's {@code UART_CLKDIV_REG} of UART0: 40 MHz / baud, from which esptool guesses the crystal. */
    public static final long ESP32_UART_CLKDIV = 0x3FF40014L;
    /** The ESP32's {@code APB_CTL_DATE_REG}: bit 31 is chip revision bit 2. */
    public static final long ESP32_APB_CTL_DATE = 0x3FF6607CL;

    private static final SpiRegisters ESP32_SPI = new SpiRegisters(0x3FF42000L, 0x00, 0x04, 0x1C, 0x20, 0x24, 0x28,
            0x2C, 0x80, true);

    private static final ChipRegisters ESP32 = new ChipRegisters(Chip.ESP32, true, 0x00F01D83, OptionalInt.empty(),
            4, ESP32_SPI, 40, 0x3FF5A004L);
    private static final ChipRegisters ESP32_S2 = new ChipRegisters(Chip.ESP32_S2, true, 0x000007C6,
            OptionalInt.of(SecurityInfo.SHORT_LENGTH), 5, spi(0x3F402000L), 40, 0x3F41A044L);
    private static final ChipRegisters ESP32_S3 = new ChipRegisters(Chip.ESP32_S3, false, 0x00000009,
            OptionalInt.of(SecurityInfo.LENGTH), 5, spi(0x60002000L), 40, 0x60007044L);
    private static final ChipRegisters ESP32_C3 = new ChipRegisters(Chip.ESP32_C3, false, 0x1B31506F,
            OptionalInt.of(SecurityInfo.LENGTH), 5, spi(0x60002000L), 40, 0x60008844L);
    private static final ChipRegisters ESP32_C6 = new ChipRegisters(Chip.ESP32_C6, false, 0x2CE0806F,
            OptionalInt.of(SecurityInfo.LENGTH), 5, spi(0x60003000L), 40, 0x600B0844L);
    private static final ChipRegisters ESP32_H2 = new ChipRegisters(Chip.ESP32_H2, false, 0xD7B73E80,
            OptionalInt.of(SecurityInfo.LENGTH), 5, spi(0x60003000L), 32, 0x600B0844L);

    private final Chip chip;
    private final boolean usesMagicValue;
    private final int magicValue;
    private final OptionalInt securityInfoLength;
    private final int romBeginWords;
    private final SpiRegisters spi;
    private final int crystalMhz;
    private final long block1;

    private ChipRegisters(Chip chip, boolean usesMagicValue, int magicValue, OptionalInt securityInfoLength,
            int romBeginWords, SpiRegisters spi, int crystalMhz, long block1) {
        this.chip = chip;
        this.usesMagicValue = usesMagicValue;
        this.magicValue = magicValue;
        this.securityInfoLength = securityInfoLength;
        this.romBeginWords = romBeginWords;
        this.spi = spi;
        this.crystalMhz = crystalMhz;
        this.block1 = block1;
    }

    private static SpiRegisters spi(long base) {
        return new SpiRegisters(base, 0x00, 0x04, 0x18, 0x1C, 0x20, 0x24, 0x28, 0x58, false);
    }

    /** The register facts of {@code chip}, or empty for a chip the reference does not cover. */
    public static Optional<ChipRegisters> of(Chip chip) {
        return Optional.ofNullable(switch (chip) {
            case ESP32 -> ESP32;
            case ESP32_S2 -> ESP32_S2;
            case ESP32_S3 -> ESP32_S3;
            case ESP32_C3 -> ESP32_C3;
            case ESP32_C6 -> ESP32_C6;
            case ESP32_H2 -> ESP32_H2;
            default -> null;
        });
    }

    /** esptool's detection by magic word: the chip whose {@link #usesMagicValue()} value this is (ESP32, S2). */
    public static Optional<ChipRegisters> byMagicValue(int value) {
        for (ChipRegisters candidate : new ChipRegisters[] {ESP32, ESP32_S2}) {
            if (candidate.magicValue == value) {
                return Optional.of(candidate);
            }
        }
        return Optional.empty();
    }

    public Chip chip() {
        return chip;
    }

    /** Whether esptool identifies this chip by {@link #magicValue()} (true for ESP32 and S2) rather than chip_id. */
    public boolean usesMagicValue() {
        return usesMagicValue;
    }

    /** What the ROM word at {@link #MAGIC_REGISTER} reads (esptool's MAGIC_VALUE or one of esptool-js's). */
    public int magicValue() {
        return magicValue;
    }

    /** The GET_SECURITY_INFO payload length of this ROM (20, or 12 on the S2); empty where the ROM lacks it (ESP32). */
    public OptionalInt securityInfoLength() {
        return securityInfoLength;
    }

    /** What this ROM answers to GET_SECURITY_INFO when nothing is secured; empty where it has no such command. */
    public Optional<SecurityInfo> openSecurityInfo() {
        if (securityInfoLength.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(securityInfoLength.getAsInt() == SecurityInfo.LENGTH ? SecurityInfo.open(chip.id(), 0)
                : SecurityInfo.openShort());
    }

    /** {@code IMAGE_CHIP_ID}, which GET_SECURITY_INFO reports as chip_id. */
    public int imageChipId() {
        return chip.id();
    }

    /** How many words esptool sends in FLASH_BEGIN / FLASH_DEFL_BEGIN to this ROM: 4 on ESP32, 5 elsewhere. */
    public int romBeginWords() {
        return romBeginWords;
    }

    public SpiRegisters spi() {
        return spi;
    }

    /** The register whose value gives the crystal away (ESP32 only: UART_CLKDIV). */
    public OptionalLong uartClkdivRegister() {
        return chip == Chip.ESP32 ? OptionalLong.of(ESP32_UART_CLKDIV) : OptionalLong.empty();
    }

    /** The UART_CLKDIV value at {@code baud} on a 40 MHz crystal. */
    public static int uartClkdiv(int baud) {
        if (baud <= 0) {
            throw new IllegalArgumentException("baud must be positive");
        }
        return 40_000_000 / baud;
    }

    /**
     * The crystal in MHz as esptool works it out: on ESP32 from UART_CLKDIV read at {@code baud} (normalised to 48, 40
     * or 26), elsewhere fixed.
     */
    public int crystalMhz(LongUnaryOperator readRegister, int baud) {
        if (chip != Chip.ESP32) {
            return crystalMhz;
        }
        double estimate = baud * (double) (readRegister.applyAsLong(ESP32_UART_CLKDIV) & 0xFFFFF) / 1e6;
        return estimate > 45 ? 48 : estimate > 33 ? 40 : 26;
    }

    /** The register holding MAC[2..5] (MAC[2] in bits 31:24); MAC[0..1] are in bits 15:0 of the next word. */
    public long macRegister() {
        return block1;
    }

    /**
     * The eFuse (and, on ESP32, APB date) words that make a host read {@code revision} (major * 100 + minor) and
     * {@code mac}: address to value. Words not listed read 0.
     *
     * @throws IllegalArgumentException when the chip's fields cannot hold this revision, or the MAC is not 6 bytes
     */
    public Map<Long, Integer> efuseWords(int revision, byte[] mac) {
        if (mac.length != 6) {
            throw new IllegalArgumentException("a MAC is 6 bytes, got " + mac.length);
        }
        int major = revision / 100;
        int minor = revision % 100;
        Map<Long, Integer> words = new LinkedHashMap<>();
        int low = (mac[2] & 0xFF) << 24 | (mac[3] & 0xFF) << 16 | (mac[4] & 0xFF) << 8 | mac[5] & 0xFF;
        int high = (mac[0] & 0xFF) << 8 | mac[1] & 0xFF;
        words.put(block1, low);
        words.put(block1 + 4, chip == Chip.ESP32_C6 ? 0xFFFE0000 | high : high);
        switch (chip) {
            case ESP32 -> {
                require(revision, major <= 3 && minor <= 3);
                int bits = new int[] {0b000, 0b001, 0b011, 0b111}[major];
                words.put(0x3FF5A00CL, 0x2200 | (bits & 1) << 15);
                words.put(0x3FF5A014L, (bits >> 1 & 1) << 20 | minor << 24);
                words.put(ESP32_APB_CTL_DATE, (bits >> 2 & 1) << 31 | 0x16042000);
            }
            case ESP32_S2 -> {
                require(revision, major <= 3 && minor <= 15);
                words.put(0x3F41A050L, major << 18 | (minor >> 3 & 1) << 20);
                words.put(0x3F41A054L, (minor & 7) << 4);
            }
            case ESP32_S3, ESP32_C3 -> {
                require(revision, major <= 3 && minor <= 15);
                words.put(block1 + 12, (minor & 7) << 18);
                words.put(block1 + 20, (minor >> 3 & 1) << 23 | major << 24);
            }
            case ESP32_C6 -> {
                require(revision, major <= 3 && minor <= 15);
                words.put(block1 + 12, minor << 18 | major << 22);
            }
            case ESP32_H2 -> {
                require(revision, major <= 3 && minor <= 7);
                words.put(block1 + 12, minor << 18 | major << 21);
            }
            default -> throw new IllegalStateException("no eFuse layout for " + chip);
        }
        return words;
    }

    /** The chip revision (major * 100 + minor) as esptool 5.3.1 decodes it from the registers. */
    public int revision(LongUnaryOperator readRegister) {
        switch (chip) {
            case ESP32 -> {
                long w3 = readRegister.applyAsLong(0x3FF5A00CL);
                long w5 = readRegister.applyAsLong(0x3FF5A014L);
                long apb = readRegister.applyAsLong(ESP32_APB_CTL_DATE);
                int bits = (int) ((apb >> 31 & 1) << 2 | (w5 >> 20 & 1) << 1 | (w3 >> 15 & 1));
                int major = switch (bits) {
                    case 1 -> 1;
                    case 3 -> 2;
                    case 7 -> 3;
                    default -> 0;
                };
                return major * 100 + (int) (w5 >> 24 & 3);
            }
            case ESP32_S2 -> {
                long w3 = readRegister.applyAsLong(0x3F41A050L);
                long w4 = readRegister.applyAsLong(0x3F41A054L);
                return (int) (w3 >> 18 & 3) * 100 + (int) ((w3 >> 20 & 1) << 3 | (w4 >> 4 & 7));
            }
            case ESP32_S3, ESP32_C3 -> {
                long w3 = readRegister.applyAsLong(block1 + 12);
                long w5 = readRegister.applyAsLong(block1 + 20);
                return (int) (w5 >> 24 & 3) * 100 + (int) ((w5 >> 23 & 1) << 3 | (w3 >> 18 & 7));
            }
            case ESP32_C6 -> {
                long w3 = readRegister.applyAsLong(block1 + 12);
                return (int) (w3 >> 22 & 3) * 100 + (int) (w3 >> 18 & 0xF);
            }
            case ESP32_H2 -> {
                long w3 = readRegister.applyAsLong(block1 + 12);
                return (int) (w3 >> 21 & 3) * 100 + (int) (w3 >> 18 & 7);
            }
            default -> throw new IllegalStateException("no eFuse layout for " + chip);
        }
    }

    /** The base MAC, 6 bytes. */
    public byte[] mac(LongUnaryOperator readRegister) {
        long low = readRegister.applyAsLong(block1);
        long high = readRegister.applyAsLong(block1 + 4);
        return new byte[] {(byte) (high >> 8), (byte) high, (byte) (low >> 24), (byte) (low >> 16), (byte) (low >> 8),
                (byte) low};
    }

    private void require(int revision, boolean fits) {
        if (!fits) {
            throw new IllegalArgumentException(String.format("%s eFuse cannot hold revision v%d.%d",
                    chip.displayName(), revision / 100, revision % 100));
        }
    }

    @Override
    public String toString() {
        return "ChipRegisters[" + chip.displayName() + "]";
    }
}
