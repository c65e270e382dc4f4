package dev.flota.flash.loader;

import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import java.util.Random;

/** Blank in-memory devices in download mode for the loader tests. */
final class Devices {

    static final int FLASH_SIZE = 1024 * 1024;

    private Devices() {
    }

    static LoaderDevice loader(Chip chip, int revision) {
        NorFlash flash = NorFlash.create(FlashStorage.inMemory(FLASH_SIZE),
                FlashConfig.defaults().timing(FlashTiming.instant()));
        return LoaderDevice.of(Device.of(flash, DeviceProperties.of(chip).withChipRevision(revision)));
    }

    static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }
}
