package dev.flota.flash.device;

import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.secureboot.SignatureBlock;
import dev.flota.flash.secureboot.SignatureSector;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * {@code SECURE_BOOT_AGGRESSIVE_REVOKE} in the ROM (spec §2.2 step 5): a key whose digest is trusted but whose
 * signature over the bootloader does not verify gets its {@code SECURE_BOOT_KEY_REVOKEn} burned. A bad block, a
 * digest mismatch or an untrusted key revokes nothing.
 */
final class AggressiveRevocation {

    private AggressiveRevocation() {
    }

    static Efuses revokeFailing(NorFlash flash, Partition region, long imageLength, DeviceProperties properties,
            Efuses efuses, List<String> log) {
        long signatureAt = (imageLength + SignatureSector.SIZE - 1) / SignatureSector.SIZE * SignatureSector.SIZE;
        if (signatureAt + SignatureSector.SIZE > region.size()) {
            return efuses;
        }
        byte[] signed = flash.read(region.offset(), (int) signatureAt);
        SignatureSector sector = SignatureSector.parse(flash.read(region.offset() + signatureAt,
                SignatureSector.SIZE));
        List<Optional<byte[]>> slots = efuses.security().secureBootDigests();
        Efuses out = efuses;
        for (SignatureBlock block : sector.blocks()) {
            if (block.scheme() != properties.effectiveSecureBootScheme()) {
                continue;
            }
            byte[] digest = digest(block.scheme().digestAlgorithm(), signed);
            if (!Arrays.equals(digest, block.imageDigest()) || block.key().verify(digest, block.signatureBytes())) {
                continue;
            }
            for (int slot = 0; slot < slots.size(); slot++) {
                if (slots.get(slot).filter(d -> Arrays.equals(d, block.keyDigest())).isPresent()
                        && !out.security().revoked(slot)) {
                    out = out.security().revoke(slot);
                    log.add("ROM: signature of key digest " + slot + " does not verify: SECURE_BOOT_KEY_REVOKE" + slot
                            + " burned (aggressive revocation)");
                }
            }
        }
        return out;
    }

    private static byte[] digest(String algorithm, byte[] bytes) {
        try {
            return MessageDigest.getInstance(algorithm).digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
