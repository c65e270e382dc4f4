package dev.flota.flash.device;

import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.flota.flash.secureboot.SignaturePolicy;

/**
 * The first stage of a reset on a device whose second-stage bootloader is an image in flash
 * ({@link DeviceProperties#bootloaderInFlash()}): the ROM loads the image at the chip's bootloader offset, the space up
 * to the partition table, and checks it (header, segments, checksum, appended SHA-256). When that fails, a chip with
 * the recovery bootloader feature whose eFuse names a recovery offset loads the image there instead ({@code PRIMARY -
 * FAIL}, {@code Loading RECOVERY Bootloader...}). A chip left with neither prints {@code invalid header} and goes no
 * further: it does not boot until the flash is written over its serial port.
 */
final class RomLoader {

    /**
     * What the ROM did: whether a bootloader loaded, and one line per image it refused.
     *
     * @param loaded  a bootloader image verified and runs
     * @param refused the images that did not verify, with the first reason
     */
    record Outcome(boolean loaded, List<String> refused, Optional<Efuses> efuses) {

        /** A device whose bootloader is the simulator's own: nothing to load. */
        static final Outcome SIMULATED = new Outcome(true, List.of(), Optional.empty());

        Outcome {
            refused = List.copyOf(refused);
        }
    }

    private RomLoader() {
    }

    static Outcome load(NorFlash flash, DeviceProperties properties) {
        long primary = properties.chip().bootloaderOffset();
        long size = properties.partitionTableOffset() - primary;
        List<String> refused = new ArrayList<>();
        Efuses[] efuses = {properties.efuses()};
        boolean loaded = loads(flash, properties, efuses, "primary", primary, size, refused);
        if (!loaded) {
            long recovery = properties.recoveryBootloaderOffset();
            boolean recoverable = properties.chip().hasRecoveryBootloader() && recovery != 0
                    && recovery + size <= flash.size();
            loaded = recoverable && loads(flash, properties.withEfuses(efuses[0]), efuses, "recovery", recovery, size,
                    refused);
        }
        return new Outcome(loaded, refused, efuses[0].equals(properties.efuses()) ? Optional.empty()
                : Optional.of(efuses[0]));
    }

    /** With Secure Boot V2 the image must carry a block an unrevoked eFuse digest trusts (spec §2.2). */
    private static boolean loads(NorFlash flash, DeviceProperties properties, Efuses[] efuses, String which,
            long offset, long size, List<String> refused) {
        Partition region = Partition.of(which + " bootloader", Partition.TYPE_BOOTLOADER, 0, offset, size);
        VerifyOptions options = VerifyOptions.defaults().expectKind(ImageKind.BOOTLOADER);
        Optional<SignaturePolicy> policy = Device.secureBootPolicy(properties);
        ImageVerification image = PartitionImages.verify(flash, region, policy.map(options::signaturePolicy)
                .orElse(options));
        if (!image.valid()) {
            refused.add(String.format("ROM: %s bootloader at 0x%x: %s", which, offset, image.findings().get(0)));
        }
        if (policy.isPresent() && properties.efuses().security().aggressiveRevoke() && image.imageLength() > 0) {
            efuses[0] = AggressiveRevocation.revokeFailing(flash, region, image.imageLength(), properties,
                    efuses[0], refused);
        }
        return image.valid();
    }
}
