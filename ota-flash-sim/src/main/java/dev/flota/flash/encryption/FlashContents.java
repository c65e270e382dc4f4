package dev.flota.flash.encryption;

import dev.flota.flash.FormatException;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.image.VerifyOptions;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.PartitionTable;
import java.nio.ByteBuffer;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What the first-boot pass asks of the plaintext flash before it encrypts a region: whether a valid image or a valid
 * partition table is there. The device answers with its own verification rules; {@link #of} answers from a
 * {@link NorFlash} with {@link ImageVerifier}.
 */
public interface FlashContents {

    /**
     * The {@code image_len} of a valid plaintext image of {@code kind} at {@code offset} within {@code maxLength}
     * bytes, counting the Secure Boot V2 signature sector when it is verified; empty when none verifies.
     */
    OptionalLong imageLength(long offset, long maxLength, ImageKind kind);

    /** The valid plaintext partition table at {@code offset}; empty when there is none. */
    Optional<PartitionTable> partitionTable(long offset);

    /**
     * Answers from {@code flash}: images verified with {@code options} (their kind and size set per call), tables as the
     * device reads them ({@code esp_partition_table_verify}: {@link PartitionTable#parse} and
     * {@link PartitionTable#verifyFits}).
     */
    static FlashContents of(NorFlash flash, VerifyOptions options) {
        return new FlashContents() {
            @Override
            public OptionalLong imageLength(long offset, long maxLength, ImageKind kind) {
                ImageVerifier verifier = ImageVerifier.create(options.expectKind(kind).partitionSize(maxLength));
                byte[] buffer = new byte[NorFlash.SECTOR_SIZE];
                for (long at = 0; at < maxLength && verifier.needsMoreInput(); at += buffer.length) {
                    int n = (int) Math.min(buffer.length, maxLength - at);
                    flash.read(offset + at, buffer, 0, n);
                    verifier.update(ByteBuffer.wrap(buffer, 0, n));
                }
                ImageVerification verification = verifier.finish();
                if (!verification.valid()) {
                    return OptionalLong.empty();
                }
                long length = verification.imageLength();
                return OptionalLong.of(verification.signature().isPresent()
                        ? alignUp(length, NorFlash.SECTOR_SIZE) + NorFlash.SECTOR_SIZE : length);
            }

            @Override
            public Optional<PartitionTable> partitionTable(long offset) {
                try {
                    PartitionTable table = PartitionTable.parse(flash.read(offset, PartitionTable.MAX_LENGTH));
                    table.verifyFits(flash.size());
                    return Optional.of(table);
                } catch (FormatException e) {
                    return Optional.empty();
                }
            }
        };
    }

    private static long alignUp(long value, long alignment) {
        return (value + alignment - 1) / alignment * alignment;
    }
}
