package dev.flota.flash.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.image.Chip;
import java.util.HexFormat;
import java.util.Map;
import java.util.function.LongUnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ChipRegistersTest {

    private static final byte[] MAC = HexFormat.of().parseHex("240ac4123456");

    private static LongUnaryOperator registers(Map<Long, Integer> words) {
        return address -> words.getOrDefault(address, 0) & 0xFFFFFFFFL;
    }

    private static ChipRegisters of(Chip chip) {
        return ChipRegisters.of(chip).orElseThrow();
    }

    @Test
    void esp32PrintedExampleIsV30() {
        Map<Long, Integer> words = Map.of(0x3FF5A00CL, 0xA200, 0x3FF5A014L, 0x00100000, 0x3FF6607CL, 0x96042000,
                0x3FF5A004L, 0xC4123456, 0x3FF5A008L, 0x0000240A);
        assertThat(of(Chip.ESP32).revision(registers(words))).isEqualTo(300);
        assertThat(of(Chip.ESP32).mac(registers(words))).isEqualTo(MAC);
    }

    @Test
    void esp32WordsForV30AreTheSpecExample() {
        Map<Long, Integer> words = of(Chip.ESP32).efuseWords(300, MAC);
        assertThat(words).containsEntry(0x3FF5A00CL, 0xA200).containsEntry(0x3FF5A014L, 0x00100000)
                .containsEntry(0x3FF6607CL, 0x96042000).containsEntry(0x3FF5A004L, 0xC4123456)
                .containsEntry(0x3FF5A008L, 0x0000240A);
    }

    @Test
    void printedExamplesOfTheOtherChips() {
        assertThat(of(Chip.ESP32_C3).revision(registers(Map.of(0x60008850L, 0x00100000)))).isEqualTo(4);
        assertThat(of(Chip.ESP32_S3).revision(registers(Map.of(0x60007050L, 0x00080000)))).isEqualTo(2);
        assertThat(of(Chip.ESP32_C6).revision(registers(Map.of(0x600B0850L, 0x00040000)))).isEqualTo(1);
        assertThat(of(Chip.ESP32_H2).revision(registers(Map.of(0x600B0850L, 0x00040000)))).isEqualTo(1);
        assertThat(of(Chip.ESP32_S2).revision(registers(Map.of(0x3F41A050L, 0x00040000)))).isEqualTo(100);
        Map<Long, Integer> c6 = Map.of(0x600B0844L, 0xC4123456, 0x600B0848L, 0xFFFE240A);
        assertThat(of(Chip.ESP32_C6).mac(registers(c6))).isEqualTo(MAC);
        assertThat(of(Chip.ESP32_C6).efuseWords(1, MAC)).containsEntry(0x600B0848L, 0xFFFE240A)
                .containsEntry(0x600B0850L, 0x00040000);
        assertThat(of(Chip.ESP32_C3).efuseWords(4, MAC)).containsEntry(0x60008850L, 0x00100000);
    }

    @ParameterizedTest
    @EnumSource(value = Chip.class, names = {"ESP32", "ESP32_S2", "ESP32_S3", "ESP32_C3", "ESP32_C6", "ESP32_H2"})
    void revisionAndMacRoundTrip(Chip chip) {
        ChipRegisters registers = of(chip);
        int maxMinor = chip == Chip.ESP32 ? 3 : chip == Chip.ESP32_H2 ? 7 : 15;
        for (int major = 0; major <= 3; major++) {
            for (int minor = 0; minor <= maxMinor; minor++) {
                int revision = major * 100 + minor;
                byte[] mac = {(byte) 0xA0, (byte) major, (byte) 0xC4, (byte) minor, (byte) 0xDB, (byte) 0xFE};
                LongUnaryOperator read = registers(registers.efuseWords(revision, mac));
                assertThat(registers.revision(read)).as("v%d.%d", major, minor).isEqualTo(revision);
                assertThat(registers.mac(read)).isEqualTo(mac);
            }
        }
        assertThatThrownBy(() -> registers.efuseWords(400, MAC)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> registers.efuseWords(0, new byte[5])).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void detectionFacts() {
        assertThat(of(Chip.ESP32).magicValue()).isEqualTo(0x00F01D83);
        assertThat(of(Chip.ESP32_S2).magicValue()).isEqualTo(0x000007C6);
        assertThat(ChipRegisters.byMagicValue(0x00F01D83)).map(ChipRegisters::chip).contains(Chip.ESP32);
        assertThat(ChipRegisters.byMagicValue(0x000007C6)).map(ChipRegisters::chip).contains(Chip.ESP32_S2);
        assertThat(ChipRegisters.byMagicValue(0x1B31506F)).isEmpty();
        assertThat(of(Chip.ESP32).securityInfoLength()).isEmpty();
        assertThat(of(Chip.ESP32).openSecurityInfo()).isEmpty();
        assertThat(of(Chip.ESP32_S2).securityInfoLength()).hasValue(12);
        assertThat(of(Chip.ESP32_C3).openSecurityInfo().orElseThrow().chipId()).hasValue(5);
        assertThat(of(Chip.ESP32_H2).openSecurityInfo().orElseThrow().chipId()).hasValue(16);
        assertThat(of(Chip.ESP32_S3).imageChipId()).isEqualTo(9);
        assertThat(of(Chip.ESP32).romBeginWords()).isEqualTo(4);
        assertThat(of(Chip.ESP32_C6).romBeginWords()).isEqualTo(5);
        assertThat(ChipRegisters.of(Chip.ESP32_C2)).isEmpty();
        assertThat(ChipRegisters.of(Chip.ESP32_P4)).isEmpty();
    }

    @Test
    void crystal() {
        assertThat(ChipRegisters.uartClkdiv(115200)).isEqualTo(347);
        LongUnaryOperator esp32 = address -> address == ChipRegisters.ESP32_UART_CLKDIV ? 347 : 0;
        assertThat(of(Chip.ESP32).crystalMhz(esp32, 115200)).isEqualTo(40);
        assertThat(of(Chip.ESP32).crystalMhz(address -> 225, 115200)).isEqualTo(26);
        assertThat(of(Chip.ESP32_H2).crystalMhz(address -> 0, 115200)).isEqualTo(32);
        assertThat(of(Chip.ESP32).uartClkdivRegister()).hasValue(0x3FF40014L);
        assertThat(of(Chip.ESP32_C3).uartClkdivRegister()).isEmpty();
    }

    @Test
    void spiRegisterLayouts() {
        SpiRegisters esp32 = of(Chip.ESP32).spi();
        assertThat(esp32.usrRegister()).isEqualTo(0x3FF4201CL);
        assertThat(esp32.usr2Register()).isEqualTo(0x3FF42024L);
        assertThat(esp32.dataRegister(0)).isEqualTo(0x3FF42080L);
        assertThat(esp32.addressValue(0x10, 24)).isEqualTo(0x1000);
        assertThat(esp32.flashAddress(0x1000, 24)).isEqualTo(0x10);
        SpiRegisters c3 = of(Chip.ESP32_C3).spi();
        assertThat(c3.base()).isEqualTo(0x60002000L);
        assertThat(c3.usrRegister()).isEqualTo(0x60002018L);
        assertThat(c3.dataRegister(0)).isEqualTo(0x60002058L);
        assertThat(c3.addressValue(0x10, 24)).isEqualTo(0x10);
        assertThat(of(Chip.ESP32_C6).spi().base()).isEqualTo(0x60003000L);
        assertThat(of(Chip.ESP32_S2).spi().base()).isEqualTo(0x3F402000L);
        assertThat(c3.contains(0x60002058L + 60)).isTrue();
        assertThat(c3.contains(0x60002058L + 64)).isFalse();
    }
}
