package dev.flota.flash.device;

import dev.flota.flash.efuse.EfuseException;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.efuse.SecureFeatures;
import dev.flota.flash.efuse.SecurityEfuses;
import dev.flota.flash.encryption.EncryptedFlash;
import dev.flota.flash.encryption.FirstBootEncryption;
import dev.flota.flash.encryption.FirstBootPlan;
import dev.flota.flash.encryption.FlashContents;
import dev.flota.flash.encryption.FlashCryptScheme;
import dev.flota.flash.encryption.FlashEncryptionException;
import dev.flota.flash.encryption.FlashEncryptionKey;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;

/**
 * The flash-encryption step of the bootloader's {@code load_image} once it has verified the app it is about to start
 * (spec §1.6), on a device whose bootloader is built with {@link DeviceProperties#flashEncryption()} and whose
 * {@code CRYPT_CNT} is even: {@code esp_flash_encrypt_init} (a key generated and burned while {@code CRYPT_CNT} is 0,
 * else the burned one; ESP32 {@code FLASH_CRYPT_CONFIG} 0xF; the secure features of the mode), then
 * {@code esp_flash_encrypt_contents}, then {@code esp_flash_encrypt_enable} ({@code CRYPT_CNT} one more bit, or all of
 * them in release mode), then a reset. A power cut in the pass leaves the key burned, {@code CRYPT_CNT} as it was
 * and the flash half encrypted: the next boot finds no plaintext bootloader and stops, as a real chip does.
 */
final class FirstBootFlashEncryption {

    /** What the step did. */
    enum Outcome { NOTHING, ENCRYPTED, FAILED }

    record Result(Outcome outcome, String message) {
    }

    private static final Random RANDOM = new SecureRandom();

    private FirstBootFlashEncryption() {
    }

    static Result run(Device device, Partition app) {
        DeviceProperties p = device.properties();
        if (p.flashEncryption().isEmpty() || p.flashEncryptionEnabled()) {
            return new Result(Outcome.NOTHING, "");
        }
        return pass(device, contents(device, app));
    }

    /** Init, contents and enable on {@code device}, its eFuses burned through it; the checks of {@code contents}. */
    static Result pass(Device device, FlashContents contents) {
        DeviceProperties p = device.properties();
        FlashEncryptionConfig config = p.flashEncryption().orElseThrow();
        Efuses efuses = p.efuses();
        SecurityEfuses security = efuses.security();
        String counter = efuses.layout().cryptCntField();
        if (efuses.writeProtected(counter)) {
            return failed(String.format("CRYPT_CNT (%d) is write protected", security.cryptCnt()));
        }
        byte[] key;
        try {
            Optional<byte[]> burned = security.flashEncryptionKey();
            if (burned.isPresent()) {
                key = burned.get();
            } else if (security.cryptCnt() != 0) {
                return failed("CRYPT_CNT is " + security.cryptCnt() + " but no flash-encryption key is burned");
            } else {
                key = FlashEncryptionKey.generate(p.chip(), scheme(p.chip(), efuses, config), RANDOM).keyFile();
                efuses = efuses.security().burnFlashEncryptionKey(key);
            }
            if (p.chip() == Chip.ESP32 && efuses.security().flashCryptConfig() == 0) {
                efuses = efuses.security().burnFlashCryptConfig(0xF);
            }
            efuses = secureFeatures(efuses, config.release());
        } catch (EfuseException | FlashEncryptionException e) {
            return failed("flash encryption init failed: " + e.getMessage());
        }
        device.burnEfuses(efuses);
        EncryptedFlash encrypted = EncryptedFlash.of(device.flash(), FlashView.cipher(p.chip(), key,
                efuses.security().flashCryptConfig()));
        FirstBootPlan plan = FirstBootEncryption.plan(contents, p.chip().bootloaderOffset(),
                p.partitionTableOffset(), config.firstBootOptions());
        try {
            FirstBootEncryption.run(encrypted, plan);
        } catch (FlashEncryptionException e) {
            return failed("flash encryption failed: " + e.getMessage());
        }
        int count = efuses.security().cryptCnt();
        int bits = efuses.layout().require(counter).bits();
        Efuses enabled = efuses.security().burnCryptCnt(config.release() ? (1 << bits) - 1 : count | (count + 1));
        if (config.release() && p.chip() == Chip.ESP32_C2) {
            enabled = enabled.writeProtect(counter);
        }
        device.burnEfuses(enabled);
        return new Result(Outcome.ENCRYPTED, String.format("flash encryption completed: %d regions, %d bytes; "
                + "CRYPT_CNT %d, %s mode; resetting", plan.regions().size(), plan.bytes(),
                enabled.security().cryptCnt(), FlashEncryptionMode.of(enabled)));
    }

    private static Result failed(String message) {
        return new Result(Outcome.FAILED, message);
    }

    private static FlashCryptScheme scheme(Chip chip, Efuses efuses, FlashEncryptionConfig config) {
        if (chip == Chip.ESP32) {
            return FlashCryptScheme.ESP32_AES_256;
        }
        return config.aes256() && efuses.layout().supportsXtsAes256() ? FlashCryptScheme.XTS_AES_256
                : FlashCryptScheme.XTS_AES_128;
    }

    /**
     * {@code esp_flash_encryption_enable_secure_features}: the cache and decryption in download mode off and JTAG
     * off in both modes; release mode adds the download-mode encryption ban and the rest of release's restrictions.
     */
    private static Efuses secureFeatures(Efuses efuses, boolean release) {
        Efuses out = efuses.chip() == Chip.ESP32
                ? burnPresent(efuses, "DISABLE_DL_DECRYPT", "DISABLE_DL_CACHE", "JTAG_DISABLE", "CONSOLE_DEBUG_DISABLE")
                : burnPresent(efuses, "DIS_DOWNLOAD_ICACHE", "DIS_DOWNLOAD_DCACHE", "DIS_PAD_JTAG", "DIS_USB_JTAG",
                        "DIS_DIRECT_BOOT");
        if (release) {
            out = burnPresent(SecureFeatures.release(out), "SPI_DOWNLOAD_MSPI_DIS");
        }
        return out;
    }

    private static Efuses burnPresent(Efuses efuses, String... names) {
        Efuses out = efuses;
        for (String name : names) {
            if (out.layout().field(name).isPresent() && !out.isSet(name)) {
                out = out.burn(name, 1);
            }
        }
        return out;
    }

    /**
     * The plaintext checks of the pass, with the device's rules: apps as the bootloader verifies them (Secure Boot
     * included), the bootloader as the ROM does. A device whose bootloader is the simulator's own has no bootloader
     * image to encrypt: that region is empty.
     */
    static FlashContents contents(Device device, Partition app) {
        DeviceProperties p = device.properties();
        FlashContents apps = FlashContents.of(device.flash(), device.bootVerifyOptions(ImageKind.APP, app));
        VerifyOptions bootloaderOptions = VerifyOptions.defaults().expectKind(ImageKind.BOOTLOADER);
        FlashContents bootloaders = FlashContents.of(device.flash(), Device.secureBootPolicy(p)
                .map(bootloaderOptions::signaturePolicy).orElse(bootloaderOptions));
        long primary = p.chip().bootloaderOffset();
        return new FlashContents() {
            @Override
            public OptionalLong imageLength(long offset, long maxLength, ImageKind kind) {
                if (kind == ImageKind.BOOTLOADER && offset == primary && !p.bootloaderInFlash()) {
                    return OptionalLong.of(0);
                }
                return (kind == ImageKind.APP ? apps : bootloaders).imageLength(offset, maxLength, kind);
            }

            @Override
            public Optional<PartitionTable> partitionTable(long offset) {
                return apps.partitionTable(offset);
            }
        };
    }
}
