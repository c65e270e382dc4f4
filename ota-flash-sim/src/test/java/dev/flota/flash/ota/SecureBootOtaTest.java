package dev.flota.flash.ota;

import static dev.flota.flash.testing.SecureBootDevices.secureBoot;
import static dev.flota.flash.testing.SecureBootDevices.signed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.EspError;
import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.SecureBootDevices;
import dev.flota.flash.testing.TestDevices;
import dev.flota.flash.testing.TestImages;
import dev.flota.flash.testing.TestKeys;
import java.security.KeyPair;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Secure Boot V2 on the simulated device (spec device_security.md §2.3, §2.5–2.7): {@code esp_ota_end} and
 * {@code esp_ota_set_boot_partition} refuse an app no trusted, unrevoked eFuse key signed, and the bootloader skips it
 * and boots the next app.
 */
class SecureBootOtaTest {

    private static final KeyPair TRUSTED = TestKeys.rsa3072("a");
    private static final KeyPair SECOND = TestKeys.rsa3072("b");
    private static final KeyPair UNTRUSTED = TestKeys.rsa3072("untrusted");
    private static final byte[] NEW_APP = TestImages.app(Chip.ESP32_C3, "2.0", 3000);

    static Stream<Arguments> refused() {
        return Stream.of(
                Arguments.of("unsigned", (Function<byte[], byte[]>) image -> image),
                Arguments.of("signed by an untrusted key", (Function<byte[], byte[]>) image -> signed(image,
                        UNTRUSTED)),
                Arguments.of("signed by a revoked key", (Function<byte[], byte[]>) image -> signed(image, SECOND)),
                Arguments.of("trusted key, image altered after signing", (Function<byte[], byte[]>) image -> {
                    byte[] altered = signed(image, TRUSTED);
                    altered[100] ^= 1;
                    return altered;
                }));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refused")
    void otaEndAndSetBootRefuseAnAppNoTrustedKeySigned(String what, Function<byte[], byte[]> make) {
        Device device = revokedSecondSlot();
        byte[] image = make.apply(NEW_APP);
        OtaOperations ota = OtaOperations.on(device);
        Partition ota0 = ota.getNextUpdatePartition(null).orElseThrow();
        byte[] otadataBefore = device.flash().read(0xd000, 0x2000);

        OtaHandle handle = ota.begin(ota0, OtaOperations.OTA_WITH_SEQUENTIAL_WRITES);
        handle.write(image);
        assertThatThrownBy(handle::end).isInstanceOfSatisfying(OtaException.class, e -> assertThat(e.error())
                .isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
        assertThatThrownBy(() -> ota.setBootPartition(ota0)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_OTA_VALIDATE_FAILED));
        assertThat(device.flash().read(0xd000, 0x2000)).as("otadata untouched").isEqualTo(otadataBefore);
        assertThat(device.reboot().bootedLabel()).isEqualTo("factory");
    }

    @Test
    void anAppATrustedKeySignedIsAcceptedAndBoots() {
        Device device = revokedSecondSlot();
        Partition target = OtaFlow.update(device, signed(NEW_APP, TRUSTED));
        BootResult boot = device.reboot();
        assertThat(boot.bootedLabel()).isEqualTo(target.label());
        assertThat(boot.appDescription().orElseThrow().version()).isEqualTo("2.0");
        assertThat(boot.skipped()).isEmpty();
    }

    static Stream<Arguments> refusedAtBoot() {
        return refused().limit(3);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("refusedAtBoot")
    void theBootloaderSkipsItAndBootsTheFactoryApp(String what, Function<byte[], byte[]> make) {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed(TestDevices.app("1.0"), TRUSTED));
        Device open = Device.poweredOn(flash, DeviceProperties.of(Chip.ESP32_C3));
        OtaFlow.update(open, make.apply(NEW_APP));
        assertThat(open.reboot().bootedLabel()).as("without Secure Boot it boots").isEqualTo("ota_0");

        Device locked = Device.poweredOn(flash, revokedSecond(DeviceProperties.of(Chip.ESP32_C3)));
        assertThat(locked.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(locked.lastBoot().skipped()).singleElement().asString().startsWith("ota_0: SIGNATURE_");
    }

    @Test
    void theBootloaderComparesTheStoredImageDigestButOtaDoesNot() {
        Device device = revokedSecondSlot();
        Partition target = OtaFlow.update(device, SecureBootDevices.withStaleImageDigest(signed(NEW_APP, TRUSTED), 0));
        assertThat(target.label()).as("esp_ota_end and set_boot accept it (spec §2.7)").isEqualTo("ota_0");
        BootResult boot = device.reboot();
        assertThat(boot.bootedLabel()).as("not bootable: the ROM compares image_digest").isEqualTo("factory");
        assertThat(boot.skipped()).singleElement().asString().contains("stale");
    }

    @Test
    void revocationNeedsTheRunningAppToVerifyWithAnotherKey() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed(TestDevices.app("1.0"), TRUSTED));
        Device device = Device.poweredOn(flash, secureBoot(DeviceProperties.of(Chip.ESP32_C3), TRUSTED, SECOND));
        OtaOperations ota = OtaOperations.on(device);
        Efuses before = device.properties().efuses();
        assertThatThrownBy(() -> ota.revokeSecureBootPublicKey(0)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_FAIL));
        assertThat(device.properties().efuses()).as("nothing burned").isEqualTo(before);
        assertThatThrownBy(() -> ota.revokeSecureBootPublicKey(3)).isInstanceOfSatisfying(OtaException.class,
                e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_INVALID_ARG));
        ota.revokeSecureBootPublicKey(2);
        assertThat(device.properties().efuses()).as("slot 2 was never burned: nothing to do").isEqualTo(before);

        ota.revokeSecureBootPublicKey(1);
        assertThat(device.properties().efuses().isSet("SECURE_BOOT_KEY_REVOKE1")).isTrue();
        assertThat(device.properties().efuses().security().trustedDigests()).hasSize(1);

        Device plain = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")),
                DeviceProperties.of(Chip.ESP32_C3));
        assertThatThrownBy(() -> OtaOperations.on(plain).revokeSecureBootPublicKey(0)).isInstanceOfSatisfying(
                OtaException.class, e -> assertThat(e.error()).isEqualTo(EspError.ESP_FAIL));
        Device esp32 = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestImages.app(Chip.ESP32,
                "1.0", 1000)), DeviceProperties.of(Chip.ESP32));
        assertThatThrownBy(() -> OtaOperations.on(esp32).revokeSecureBootPublicKey(0)).isInstanceOfSatisfying(
                OtaException.class, e -> assertThat(e.error()).isEqualTo(EspError.ESP_ERR_NOT_SUPPORTED));
    }

    @Test
    void esp32ChecksBlockZeroOnlyAndTheOtherChipsEveryBlock() {
        byte[] untrustedFirst = signed(TestImages.app(Chip.ESP32, "2.0", 3000), UNTRUSTED, TRUSTED);
        Device esp32 = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed(TestImages.app(
                Chip.ESP32, "1.0", 1000), TRUSTED)), secureBoot(DeviceProperties.of(Chip.ESP32).withChipRevision(300),
                TRUSTED));
        assertThat(esp32.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThatThrownBy(() -> OtaFlow.update(esp32, untrustedFirst)).isInstanceOf(OtaException.class);
        assertThat(OtaFlow.update(esp32, signed(TestImages.app(Chip.ESP32, "2.0", 3000), TRUSTED)).label())
                .isEqualTo("ota_0");

        Device c3 = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed(TestDevices.app("1.0"),
                TRUSTED)), secureBoot(DeviceProperties.of(Chip.ESP32_C3), TRUSTED));
        OtaFlow.update(c3, signed(NEW_APP, UNTRUSTED, TRUSTED));
        assertThat(c3.reboot().bootedLabel()).isEqualTo("ota_0");
    }

    @Test
    void ecdsaOnAChipThatHasItAndTheSchemeTheDeviceIsBuiltFor() {
        KeyPair ec = TestKeys.ec("P-256", "a");
        byte[] factory = signed(TestImages.app(Chip.ESP32_C6, "1.0", 1000), ec);
        Device c6 = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, factory),
                secureBoot(DeviceProperties.of(Chip.ESP32_C6), ec));
        assertThat(c6.lastBoot().bootedLabel()).isEqualTo("factory");
        assertThat(OtaFlow.update(c6, signed(TestImages.app(Chip.ESP32_C6, "2.0", 2000), ec)).label())
                .isEqualTo("ota_0");

        DeviceProperties rsaDigestButEcdsaBuild = secureBoot(DeviceProperties.of(Chip.ESP32_C6), TRUSTED)
                .withSecureBootScheme(dev.flota.flash.secureboot.SignatureScheme.ECDSA_P256);
        Device mismatch = Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed(TestImages.app(
                Chip.ESP32_C6, "1.0", 1000), TRUSTED)), rsaDigestButEcdsaBuild);
        assertThat(mismatch.lastBoot().booted()).as("an RSA block on an ECDSA build is skipped").isEmpty();
        assertThatThrownBy(() -> secureBoot(DeviceProperties.of(Chip.ESP32_C3), ec))
                .as("the ESP32-C3 has RSA only").isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void theRomVerifiesTheBootloaderAndAggressiveRevocationBurnsAFailingKey() {
        byte[] bootloader = TestImages.bootloader(Chip.ESP32_C3, 1, 6000);
        byte[] app = signed(TestDevices.app("1.0"), TRUSTED);
        DeviceProperties sb = secureBoot(DeviceProperties.of(Chip.ESP32_C3), TRUSTED, SECOND)
                .withBootloaderInFlash(true);
        assertThat(boot(signed(bootloader, TRUSTED), app, sb).lastBoot().bootedLabel()).isEqualTo("factory");
        BootResult unsigned = boot(bootloader, app, sb).lastBoot();
        assertThat(unsigned.booted()).isEmpty();
        assertThat(unsigned.skipped()).first().asString().startsWith("ROM: primary bootloader at 0x0: SIGNATURE_");

        byte[] badFirst = SecureBootDevices.withBadSignature(signed(bootloader, TRUSTED, SECOND), 0);
        assertThat(boot(badFirst, app, sb).properties().efuses().isSet("SECURE_BOOT_KEY_REVOKE0"))
                .as("no aggressive revocation configured").isFalse();
        DeviceProperties aggressive = sb.withEfuses(sb.efuses().burn("SECURE_BOOT_AGGRESSIVE_REVOKE", 1));
        Device revoking = boot(badFirst, app, aggressive);
        assertThat(revoking.lastBoot().booted()).as("revoked before the app check: the app signed by that key "
                + "does not boot").isEmpty();
        assertThat(revoking.lastBoot().skipped()).anySatisfy(line -> assertThat(line).contains(
                "SECURE_BOOT_KEY_REVOKE0 burned"));
        assertThat(revoking.properties().efuses().isSet("SECURE_BOOT_KEY_REVOKE0")).isTrue();
        assertThat(revoking.properties().efuses().isSet("SECURE_BOOT_KEY_REVOKE1")).isFalse();
        assertThat(boot(badFirst, signed(TestDevices.app("1.0"), SECOND), revoking.properties()).lastBoot()
                .bootedLabel()).as("block 1 of the bootloader verifies, and an app signed by the other key boots")
                .isEqualTo("factory");
    }

    private static Device boot(byte[] bootloader, byte[] app, DeviceProperties properties) {
        return Device.poweredOn(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, bootloader, app), properties);
    }

    /** A C3 trusting TRUSTED and SECOND, SECOND revoked, running a factory app signed by TRUSTED. */
    private static Device revokedSecondSlot() {
        NorFlash flash = TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, signed(TestDevices.app("1.0"), TRUSTED));
        return Device.poweredOn(flash, revokedSecond(DeviceProperties.of(Chip.ESP32_C3)));
    }

    private static DeviceProperties revokedSecond(DeviceProperties base) {
        DeviceProperties sb = secureBoot(base, TRUSTED, SECOND);
        return sb.withEfuses(sb.efuses().security().revoke(1));
    }
}
