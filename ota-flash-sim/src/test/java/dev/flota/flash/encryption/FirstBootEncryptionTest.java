package dev.flota.flash.encryption;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** First-boot encryption of an ESP32-C3 flashed in plaintext ({@link TestDevices#FACTORY_TWO_SLOTS}). */
class FirstBootEncryptionTest {

    private final byte[] bootloader = TestImages.bootloader(Chip.ESP32_C3, 1, 9000);
    private final byte[] factory = TestDevices.app("1.0");
    private final byte[] ota0 = TestDevices.app("2.0");
    private final FlashCipher cipher = FlashCipherTest.cipher(FlashCryptScheme.XTS_AES_128, 1);

    @Test
    void encryptsBootloaderTableOtadataAndTheImagesInSectorsAndLeavesTheRestPlain() {
        NorFlash flash = device();
        byte[] before = flash.read(0, (int) flash.size());
        FirstBootPlan plan = FirstBootEncryption.plan(contents(flash), 0x0, 0x8000);

        assertThat(plan.completes()).isTrue();
        assertThat(plan.regions()).containsExactly(
                new EncryptedRegion("bootloader", 0x0, sectors(length(bootloader))),
                new EncryptedRegion("partition_table", 0x8000, 0x1000),
                new EncryptedRegion("otadata", 0xd000, 0x2000),
                new EncryptedRegion("factory", 0x10000, sectors(length(factory))),
                new EncryptedRegion("ota_0", 0x50000, sectors(length(ota0))));

        FirstBootEncryption.run(EncryptedFlash.of(flash, cipher), plan);
        byte[] after = flash.read(0, (int) flash.size());
        EncryptedFlash view = EncryptedFlash.of(flash, cipher);
        for (EncryptedRegion region : plan.regions()) {
            int from = (int) region.offset();
            int to = (int) region.end();
            assertThat(Arrays.equals(after, from, to, before, from, to)).as("raw %s", region).isFalse();
            assertThat(view.read(region.offset(), (int) region.length()))
                    .as("decrypted %s", region).isEqualTo(Arrays.copyOfRange(before, from, to));
        }
        assertThat(Arrays.copyOfRange(after, 0x9000, 0xd000)).as("nvs").isEqualTo(Arrays.copyOfRange(before, 0x9000, 0xd000));
        assertThat(Arrays.copyOfRange(after, 0xf000, 0x10000)).as("phy").isEqualTo(Arrays.copyOfRange(before, 0xf000, 0x10000));
        assertThat(Arrays.copyOfRange(after, 0x90000, 0xd0000)).as("empty ota_1 stays raw").containsOnly((byte) 0xFF);
        long pastFactory = 0x10000 + sectors(length(factory));
        assertThat(flash.read(pastFactory, 16)).as("after the factory image").containsOnly((byte) 0xFF);
        assertThat(view.read(0xe000, 32)).as("erased otadata sector reads as 0xFF").containsOnly((byte) 0xFF);
        assertThat(view.read(0x90000, 32)).as("an empty slot reads as garbage").isNotEqualTo(flash.read(0x90000, 32));
    }

    @Test
    void beforeV53WholeAppPartitionsAreEncrypted() {
        FirstBootPlan plan = FirstBootEncryption.plan(contents(device()), 0x0, 0x8000,
                FirstBootEncryption.Options.wholeAppPartitions());
        assertThat(plan.regions()).contains(new EncryptedRegion("factory", 0x10000, 0x40000),
                new EncryptedRegion("ota_0", 0x50000, 0x40000));
        FirstBootPlan signed = FirstBootEncryption.plan(contents(device()), 0x0, 0x8000,
                new FirstBootEncryption.Options(true, true));
        assertThat(signed.regions()).contains(
                new EncryptedRegion("factory", 0x10000, sectors(length(factory)) + 0x1000));
    }

    @Test
    void withoutAValidBootloaderNothingIsEncrypted() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, factory);
        byte[] before = flash.read(0, (int) flash.size());
        FirstBootPlan plan = FirstBootEncryption.plan(contents(flash), 0x0, 0x8000);
        assertThat(plan.regions()).isEmpty();
        assertThatThrownBy(() -> FirstBootEncryption.run(EncryptedFlash.of(flash, cipher), plan))
                .isInstanceOfSatisfying(FlashEncryptionException.class,
                        e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_NOT_FOUND))
                .hasMessageContaining("no valid bootloader was found");
        assertThat(flash.read(0, (int) flash.size())).isEqualTo(before);
    }

    @Test
    void anInvalidTableStopsThePassAfterTheBootloader() {
        NorFlash flash = device();
        flash.program(0x8000, new byte[2]);
        FirstBootPlan plan = FirstBootEncryption.plan(contents(flash), 0x0, 0x8000);
        assertThat(plan.regions()).extracting(EncryptedRegion::name).containsExactly("bootloader");
        assertThat(plan.failure()).hasValueSatisfying(f -> assertThat(f.error()).isEqualTo(EspError.ESP_ERR_INVALID_STATE));
        byte[] table = flash.read(0x8000, 0x1000);
        assertThatThrownBy(() -> FirstBootEncryption.run(EncryptedFlash.of(flash, cipher), plan))
                .isInstanceOf(FlashEncryptionException.class);
        assertThat(flash.read(0x8000, 0x1000)).isEqualTo(table);
        assertThat(EncryptedFlash.of(flash, cipher).read(0, bootloader.length)).isEqualTo(bootloader);
    }

    private NorFlash device() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, bootloader, factory);
        flash.program(0x50000, ota0);
        return flash;
    }

    private static FlashContents contents(NorFlash flash) {
        return FlashContents.of(flash, VerifyOptions.defaults());
    }

    private static long length(byte[] image) {
        return ImageVerifier.verify(image).imageLength();
    }

    private static long sectors(long length) {
        return (length + 0xFFF) & ~0xFFFL;
    }
}
