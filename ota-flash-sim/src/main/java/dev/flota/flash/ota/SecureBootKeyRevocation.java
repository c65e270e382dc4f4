package dev.flota.flash.ota;

import dev.flota.flash.EspError;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.PartitionImages;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.otadata.OtaImgState;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.flash.secureboot.SignatureSector;
import java.util.List;
import java.util.Optional;

/**
 * {@code esp_ota_revoke_secure_boot_public_key} behind {@link OtaOperations#revokeSecureBootPublicKey}: the checks that
 * keep a revocation from locking the device out, then the eFuse burn. It deals in eFuses and Secure Boot V2 signatures
 * rather than otadata, so it stands apart from the rest of the OTA operations.
 */
final class SecureBootKeyRevocation {

    private SecureBootKeyRevocation() {
    }

    /** Revokes key digest {@code index} on {@code ota}'s device; the caller holds the lock on {@code ota}. */
    static void revoke(OtaOperations ota, int index) {
        Device device = ota.device();
        DeviceProperties p = device.properties();
        if (!p.efuses().layout().supportsRevocation()) {
            throw new OtaException(EspError.ESP_ERR_NOT_SUPPORTED, device.chip().displayName()
                    + " cannot revoke Secure Boot keys");
        }
        if (!p.secureBootEnabled()) {
            throw new OtaException(EspError.ESP_FAIL, "Secure Boot V2 is not enabled");
        }
        if (index < 0 || index > 2) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "key digest index " + index + " is not 0, 1 or 2");
        }
        if (p.rollback() && runningIsOtaSlotNotValid(ota)) {
            throw new OtaException(EspError.ESP_FAIL, "the running app is not marked VALID yet");
        }
        List<Optional<byte[]>> slots = p.efuses().security().secureBootDigests();
        if (slots.get(index).isEmpty()) {
            return;
        }
        Partition running = device.runningPartition().orElseThrow(() -> new OtaException(EspError.ESP_FAIL,
                "no app is running"));
        boolean otherVerifies = false;
        for (int other = 0; other < slots.size() && !otherVerifies; other++) {
            if (other == index || slots.get(other).isEmpty()) {
                continue;
            }
            SignaturePolicy policy = SignaturePolicy.efuse(p.effectiveSecureBootScheme(),
                    List.of(slots.get(other).get()), SignatureSector.MAX_BLOCKS).ignoringStoredImageDigest();
            otherVerifies = PartitionImages.verify(device.flashView(), running, device.verifyOptions(ImageKind.APP,
                    running).signaturePolicy(policy)).valid() && bootloaderVerifies(device, p, policy);
        }
        if (!otherVerifies) {
            throw new OtaException(EspError.ESP_FAIL, "the running app" + (p.bootloaderInFlash()
                    ? " and the bootloader" : "") + " must verify with another unrevoked key before digest " + index
                    + " is revoked");
        }
        device.burnEfuses(p.efuses().security().revoke(index));
    }

    private static boolean bootloaderVerifies(Device device, DeviceProperties p, SignaturePolicy policy) {
        if (!p.bootloaderInFlash()) {
            return true;
        }
        long offset = device.chip().bootloaderOffset();
        Partition region = Partition.of("bootloader", Partition.TYPE_BOOTLOADER, 0, offset,
                p.partitionTableOffset() - offset);
        return PartitionImages.verify(device.flashView(), region, VerifyOptions.defaults().expectKind(
                ImageKind.BOOTLOADER).signaturePolicy(policy)).valid();
    }

    private static boolean runningIsOtaSlotNotValid(OtaOperations ota) {
        Optional<Partition> running = ota.device().runningPartition().filter(Partition::isOtaApp);
        if (running.isEmpty()) {
            return false;
        }
        try {
            return ota.getStatePartition(running.get()) != OtaImgState.VALID;
        } catch (OtaException e) {
            return false;
        }
    }
}
