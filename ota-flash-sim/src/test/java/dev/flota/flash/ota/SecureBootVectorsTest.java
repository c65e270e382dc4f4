package dev.flota.flash.ota;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.efuse.SecureFeatures;
import dev.flota.flash.image.Chip;
import dev.flota.flash.keys.PemKeys;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.Vectors;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * Images signed by Espressif's {@code espsecure} ({@code vectors/signed}) on an ESP32-C3 whose eFuse holds the digest
 * of {@code keys/rsa3072_public_key.pem}: what OTA and the bootloader accept (spec §2.7).
 */
class SecureBootVectorsTest {

    @Test
    void espsecureSignedImagesOnASecureBootDevice() {
        Device device = device();
        assertThat(device.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(OtaFlow.update(device, Vectors.bytes("signed/c3_signed_rsa3072_2blocks_untrusted_first.bin"))
                .label()).as("every block is tried").isEqualTo("ota_0");
        assertThat(device.reboot().bootedLabel()).isEqualTo("ota_0");

        for (String refused : new String[] {"signed/c3_signed_untrusted_rsa3072.bin",
                "signed/corrupt/c3_signed_rsa3072.flip_signature_fixcrc.bin",
                "signed/corrupt/c3_signed_rsa3072.bad_block_magic.bin"}) {
            Device fresh = device();
            assertThatThrownBy(() -> OtaFlow.update(fresh, Vectors.bytes(refused))).as(refused)
                    .isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.error())
                            .isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
        }

        Device stale = device();
        OtaFlow.update(stale, Vectors.bytes("signed/corrupt/c3_signed_rsa3072.stale_block_digest_fixcrc.bin"));
        assertThat(stale.reboot().bootedLabel()).as("accepted by OTA, not bootable").isEqualTo("factory");
    }

    private static Device device() {
        SecureBootKey key = SecureBootKey.from(PemKeys.publicKey(new String(Vectors.bytes(
                "signed/keys/rsa3072_public_key.pem"), StandardCharsets.US_ASCII)));
        DeviceProperties c3 = DeviceProperties.of(Chip.ESP32_C3);
        DeviceProperties sb = c3.withEfuses(SecureFeatures.enableSecureBoot(c3.efuses().security()
                .burnSecureBootDigest(key.digest()), false));
        return Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, Vectors.bytes(
                "signed/c3_signed_rsa3072.bin")), sb);
    }
}
