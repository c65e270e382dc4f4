package dev.flota.ota;

import dev.flota.flash.image.ImageKind;
import dev.flota.flash.partition.Partition;
import dev.flota.ota.target.OtaTarget;
import java.util.Objects;
import java.util.Optional;

/**
 * Where an update writes ({@code staging}) and what it is for ({@code finalPartition}, whose type decides the checks:
 * an app or bootloader image, a partition table, or data).
 */
public record UpdatePartitions(Partition staging, Partition finalPartition) {

    public UpdatePartitions {
        Objects.requireNonNull(staging, "staging");
        Objects.requireNonNull(finalPartition, "finalPartition");
    }

    /** The configured staging partition or the next OTA slot, and the configured final partition or staging. */
    static UpdatePartitions of(FlashSettings flash, OtaTarget target) {
        Partition staging = flash.stagingPartition() != null ? find(target, flash.stagingPartition())
                : target.nextUpdatePartition(null).orElseThrow(() -> new OtaException(OtaError.NOT_FOUND,
                        "the partition table has no OTA app partition to update"));
        return new UpdatePartitions(staging, flash.finalPartition() == null ? staging
                : find(target, flash.finalPartition()));
    }

    private static Partition find(OtaTarget target, String label) {
        return target.partitionTable().find(label).orElseThrow(() -> new OtaException(OtaError.NOT_FOUND,
                "no partition '" + label + "'"));
    }

    /** The kind of image the final partition holds; empty for a partition table or data. */
    public Optional<ImageKind> imageKind() {
        return finalPartition.type() == Partition.TYPE_APP ? Optional.of(ImageKind.APP)
                : finalPartition.type() == Partition.TYPE_BOOTLOADER ? Optional.of(ImageKind.BOOTLOADER)
                : Optional.empty();
    }
}
