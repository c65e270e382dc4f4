package dev.flota.flash.device;

import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import java.nio.ByteBuffer;

/**
 * Verifies the image stored in a partition as {@code esp_image_verify} reads it from flash: 4 KiB at a time, stopping
 * at the end of the image, so memory stays at one sector whatever the partition size.
 */
public final class PartitionImages {

    private static final int READ_SIZE = NorFlash.SECTOR_SIZE;

    private PartitionImages() {
    }

    /** Reads {@code flash} raw, as on a device without flash encryption. */
    public static ImageVerification verify(NorFlash flash, Partition partition, VerifyOptions options) {
        return verify(FlashView.raw(flash), partition, options);
    }

    /** Reads through {@code flash} as {@code esp_partition_read} does: decrypted where the partition is encrypted. */
    public static ImageVerification verify(FlashView flash, Partition partition, VerifyOptions options) {
        ImageVerifier verifier = ImageVerifier.create(options.partitionSize(partition.size()));
        byte[] buffer = new byte[READ_SIZE];
        for (long offset = 0; offset < partition.size() && verifier.needsMoreInput(); offset += READ_SIZE) {
            int n = (int) Math.min(READ_SIZE, partition.size() - offset);
            flash.read(partition, partition.offset() + offset, buffer, 0, n);
            verifier.update(ByteBuffer.wrap(buffer, 0, n));
        }
        return verifier.finish();
    }
}
