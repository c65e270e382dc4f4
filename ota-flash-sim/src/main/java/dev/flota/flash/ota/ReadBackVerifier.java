package dev.flota.flash.ota;

import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashView;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import java.nio.ByteBuffer;

/**
 * {@code esp_ota_end}'s image check, started while the update is still writing: reads back from flash the bytes
 * already written and feeds them to an {@link ImageVerifier}, so at the end only the tail is left to read. The result
 * is what a full reading at the end would give only if nothing changed what was read: the handle reports the flash's
 * modification count after each of its own operations (which never touch bytes already read back), and the result is
 * used only when the count has not moved since and no read fault was ever armed. Thread-safe: reading back runs on
 * another thread than the writes.
 */
final class ReadBackVerifier {

    private static final int READ_SIZE = 64 * 1024;

    private final NorFlash flash;
    private final FlashView view;
    private final Partition partition;
    private final ImageKind kind;
    private final DeviceProperties properties;
    private final ImageVerifier verifier;
    private long readUpTo;
    private boolean broken;

    ReadBackVerifier(FlashView view, Partition partition, ImageKind kind, VerifyOptions options,
            DeviceProperties properties) {
        this.view = view;
        this.flash = view.raw();
        this.partition = partition;
        this.kind = kind;
        this.properties = properties;
        this.verifier = ImageVerifier.create(options.partitionSize(partition.size()));
    }

    /** Reads back and verifies the partition's bytes up to {@code end} (exclusive) that were not read yet. */
    synchronized void readUpTo(long end) {
        try {
            byte[] buffer = new byte[READ_SIZE];
            while (!broken && readUpTo < end && verifier.needsMoreInput()) {
                if (flash.faults().flipsReads()) {
                    broken = true;
                    return;
                }
                int n = (int) Math.min(READ_SIZE, end - readUpTo);
                view.read(partition, partition.offset() + readUpTo, buffer, 0, n);
                verifier.update(ByteBuffer.wrap(buffer, 0, n));
                readUpTo += n;
            }
        } catch (FlashException e) {
            broken = true;
        }
    }

    /**
     * The verification of the whole image, reading what is still unread, or null when it cannot stand for a reading
     * now: the flash changed other than by the handle's own writes ({@code modifications} is the count after the last
     * of them), a read fault was armed, or the check or the device is not the same as when reading started.
     */
    synchronized ImageVerification finish(ImageKind expectedKind, DeviceProperties expectedProperties,
            long modifications) {
        if (broken || expectedKind != kind || !expectedProperties.equals(properties)
                || flash.modifications() != modifications) {
            return null;
        }
        readUpTo(partition.size());
        if (broken || flash.modifications() != modifications || flash.faults().flipsReads()) {
            return null;
        }
        return verifier.finish();
    }
}
