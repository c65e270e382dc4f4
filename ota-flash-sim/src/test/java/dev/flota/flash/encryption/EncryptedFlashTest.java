package dev.flota.flash.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import java.util.Arrays;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class EncryptedFlashTest {

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void writesCiphertextAndReadsBackPlaintextAtAnyAlignment(FlashCryptScheme scheme) {
        NorFlash flash = flash();
        FlashCipher cipher = FlashCipherTest.cipher(scheme, 1);
        EncryptedFlash encrypted = EncryptedFlash.of(flash, cipher);
        byte[] data = FlashCipherTest.random(1024, 2);
        encrypted.write(0x10000, data);
        assertThat(flash.read(0x10000, 1024)).isEqualTo(cipher.encrypt(0x10000, data)).isNotEqualTo(data);
        assertThat(encrypted.read(0x10000, 1024)).isEqualTo(data);
        assertThat(encrypted.read(0x10003, 29)).isEqualTo(Arrays.copyOfRange(data, 3, 32));
        assertThat(encrypted.read(0x10000 + 1000, 24)).isEqualTo(Arrays.copyOfRange(data, 1000, 1024));
    }

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void rawErasedFlashReadsAsTheDecryptionOf0xFf(FlashCryptScheme scheme) {
        NorFlash flash = flash();
        FlashCipher cipher = FlashCipherTest.cipher(scheme, 3);
        byte[] erased = new byte[4096];
        Arrays.fill(erased, (byte) 0xFF);
        byte[] view = EncryptedFlash.of(flash, cipher).read(0x20000, 4096);
        assertThat(view).isEqualTo(cipher.decrypt(0x20000, erased)).isNotEqualTo(erased);
    }

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void encryptedWritesTakeWhole16ByteBlocksLikeEspFlashWriteEncrypted(FlashCryptScheme scheme) {
        NorFlash flash = flash();
        EncryptedFlash encrypted = EncryptedFlash.of(flash, FlashCipherTest.cipher(scheme, 4));
        assertThatThrownBy(() -> encrypted.write(0x10004, new byte[16]))
                .isInstanceOfSatisfying(FlashEncryptionException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_INVALID_ARG));
        assertThatThrownBy(() -> encrypted.write(0x10000, new byte[17]))
                .isInstanceOfSatisfying(FlashEncryptionException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_INVALID_SIZE));
        encrypted.write(0x10000, new byte[0]);
        assertThat(flash.modifications()).as("nothing reached the chip").isZero();
        byte[] block = FlashCipherTest.random(16, 5);
        encrypted.write(0x10010, block);
        assertThat(encrypted.read(0x10010, 16)).isEqualTo(block);
        assertThat(flash.read(0x10000, 16)).as("the partner block stays erased").containsOnly((byte) 0xFF);
    }

    @ParameterizedTest
    @EnumSource(FlashCryptScheme.class)
    void inPlaceEncryptionKeepsThePlaintextViewAndTurnsErasedSectorsIntoCiphertextOf0xFf(FlashCryptScheme scheme) {
        NorFlash flash = flash();
        FlashCipher cipher = FlashCipherTest.cipher(scheme, 6);
        byte[] data = FlashCipherTest.random(5000, 7);
        flash.program(0x30000, data);
        EncryptedFlash.of(flash, cipher).encryptInPlace(0x30000, 5000);
        byte[] expected = Arrays.copyOf(data, 8192);
        Arrays.fill(expected, 5000, 8192, (byte) 0xFF);
        assertThat(flash.read(0x30000, 8192)).isEqualTo(cipher.encrypt(0x30000, expected));
        assertThat(EncryptedFlash.of(flash, cipher).read(0x30000, 8192)).isEqualTo(expected);
        assertThat(flash.read(0x32000, 16)).as("past the region").containsOnly((byte) 0xFF);
        assertThat(flash.stats().sectorErases()).isEqualTo(2);
    }

    private static NorFlash flash() {
        return NorFlash.create(FlashStorage.inMemory(0x100000), FlashConfig.defaults().timing(FlashTiming.instant()));
    }
}
