package dev.flota.flash.ota;

import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashView;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.ContentMemo;
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
 *
 * <p>On a flash whose storage shares a {@link ContentMemo} (a fleet's devices), the bytes read back are first compared
 * with the images other devices verified under the same options: while they match, nothing is hashed, and an image
 * that matches to its end takes that verdict. At the first byte that differs the check reads again from the start and
 * computes its own verdict, recorded for the devices after it when it is valid.
 */
final class ReadBackVerifier {

    private static final int READ_SIZE = 64 * 1024;
    /** Per thread: a fleet's devices read back on a few threads, and 10,000 of them need not each hold 64 KiB. */
    private static final ThreadLocal<byte[]> BUFFER = ThreadLocal.withInitial(() -> new byte[READ_SIZE]);

    private final NorFlash flash;
    private final FlashView view;
    private final Partition partition;
    private final ImageKind kind;
    private final DeviceProperties properties;
    private final VerifyOptions options;
    private final ImageVerifier verifier;
    private final ContentMemo memo;
    /** While the bytes read back match an image verified before; then null. */
    private ContentMemo.Lookup lookup;
    /** While this check computes a verdict for the memo. */
    private ContentMemo.Recording recording;
    private long readUpTo;
    private boolean broken;
    /** Whether the last bytes read matched the memo's image. */
    private boolean matched;

    ReadBackVerifier(FlashView view, Partition partition, ImageKind kind, VerifyOptions options,
            DeviceProperties properties) {
        this.view = view;
        this.flash = view.raw();
        this.partition = partition;
        this.kind = kind;
        this.properties = properties;
        this.options = options.partitionSize(partition.size());
        this.verifier = ImageVerifier.create(this.options);
        this.memo = flash.contentMemo();
        this.lookup = memo == null ? null : memo.lookup(this.options);
    }

    /** Reads back and verifies the partition's bytes up to {@code end} (exclusive) that were not read yet. */
    synchronized void readUpTo(long end) {
        try {
            byte[] buffer = BUFFER.get();
            while (!broken && readUpTo < end && needsMoreInput()) {
                int n = (int) Math.min(READ_SIZE, end - readUpTo);
                if (lookup == null) {
                    if (!read(readUpTo, n, buffer, this::verify)) {
                        return;
                    }
                } else {
                    if (!read(readUpTo, n, buffer, (bytes, offset, length) -> matched = lookup.offer(bytes, offset,
                            length))) {
                        return;
                    }
                    if (!matched) {
                        lookup = null;
                        recording = memo.record(options);
                        for (long at = 0; !broken && at < readUpTo + n && verifier.needsMoreInput(); at += READ_SIZE) {
                            if (!read(at, (int) Math.min(READ_SIZE, readUpTo + n - at), buffer, this::verify)) {
                                return;
                            }
                        }
                    }
                }
                readUpTo += n;
            }
        } catch (FlashException e) {
            broken = true;
        }
    }

    private boolean needsMoreInput() {
        return lookup != null ? lookup.result() == null : verifier.needsMoreInput();
    }

    /** Hands {@code reader} the bytes at {@code at} in the partition, lent in place where the flash can. */
    private boolean read(long at, int n, byte[] scratch, NorFlash.StoredBytes reader) {
        if (flash.faults().flipsReads()) {
            broken = true;
            return false;
        }
        view.read(partition, partition.offset() + at, n, scratch, reader);
        return true;
    }

    private void verify(byte[] bytes, int offset, int n) {
        if (recording != null && verifier.needsMoreInput()) {
            recording.add(bytes, offset, n);
        }
        verifier.update(ByteBuffer.wrap(bytes, offset, n));
    }

    /**
     * The verification of the whole image, reading what is still unread, or null when it cannot stand for a reading
     * now: the flash changed other than by the handle's own writes ({@code modifications} is the count after the last
     * of them), a read fault was armed, or the check or the device is not the same as when reading started.
     */
    synchronized ImageVerification finish(ImageKind expectedKind, DeviceProperties expectedProperties,
            long modifications) {
        ImageVerification verdict = null;
        if (!broken && expectedKind == kind && expectedProperties.equals(properties)
                && flash.modifications() == modifications) {
            readUpTo(partition.size());
            if (!broken && flash.modifications() == modifications && !flash.faults().flipsReads()) {
                verdict = lookup == null ? verifier.finish()
                        : lookup.result() instanceof ImageVerification remembered ? remembered : null;
            }
        }
        if (recording != null) {
            if (verdict != null && verdict.valid()) {
                recording.finish(verdict);
            } else {
                recording.abandon();
            }
            recording = null;
        }
        return verdict;
    }
}
