package dev.flota.flash.testing;

import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.efuse.SecureFeatures;
import dev.flota.flash.secureboot.ImageSigner;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.flash.secureboot.SecureBootSigner;
import dev.flota.flash.secureboot.SignatureBlock;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.KeyPair;
import java.util.Arrays;

/** Secure Boot V2 devices and images for tests: eFuse digests of test keys, images signed by them, broken blocks. */
public final class SecureBootDevices {

    private SecureBootDevices() {
    }

    /** {@code base} with the digests of {@code trusted} burned in slot order and Secure Boot V2 enabled. */
    public static DeviceProperties secureBoot(DeviceProperties base, KeyPair... trusted) {
        Efuses efuses = base.efuses();
        for (KeyPair key : trusted) {
            efuses = efuses.security().burnSecureBootDigest(digest(key));
        }
        return base.withEfuses(SecureFeatures.enableSecureBoot(efuses, false))
                .withSecureBootScheme(SecureBootKey.from(trusted[0].getPublic()).scheme());
    }

    public static byte[] digest(KeyPair key) {
        return SecureBootKey.from(key.getPublic()).digest();
    }

    /** {@code image} with a signature sector holding one block per signer, in order. */
    public static byte[] signed(byte[] image, KeyPair... signers) {
        return ImageSigner.sign(image, Arrays.stream(signers).map(k -> SecureBootSigner.from(k.getPrivate()))
                .toList());
    }

    /** A copy of a signed image whose block {@code index} has one signature byte flipped and its CRC fixed. */
    public static byte[] withBadSignature(byte[] signed, int index) {
        byte[] out = signed.clone();
        int block = out.length - 4096 + index * SignatureBlock.SIZE;
        boolean rsa = out[block + 1] == 2;
        boolean sha384 = out[block + 2] == 1;
        out[block + (rsa ? 1000 : 4 + (sha384 ? 48 : 32) + 1 + (sha384 ? 96 : 64) + 2)] ^= 0x01;
        fixCrc(out, block);
        return out;
    }

    /** A copy whose block {@code index} claims another image digest (stale), CRC fixed, signature untouched. */
    public static byte[] withStaleImageDigest(byte[] signed, int index) {
        byte[] out = signed.clone();
        int block = out.length - 4096 + index * SignatureBlock.SIZE;
        out[block + 4] ^= 0x01;
        fixCrc(out, block);
        return out;
    }

    private static void fixCrc(byte[] bytes, int block) {
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(block + SignatureBlock.CRC_LENGTH,
                (int) SignatureBlock.crc(bytes, block));
    }
}
