package dev.flota.ota.target;

import dev.flota.flash.partition.Partition;

/**
 * What an {@link OtaTarget} offers to continue an update after a reboot ({@code ota_resumption}): the journal in its
 * NVS partition, {@code esp_ota_resume}, and {@code esp_partition_read} to check what the flash already holds. A
 * target without it ({@link OtaTarget#resumption()} empty) updates from byte 0 every time.
 */
public interface OtaResumption {

    /** The {@code ota_resumption} namespace of the device's NVS partition, created if absent. */
    ResumptionStore journal();

    /**
     * {@code esp_ota_resume}: a session on {@code partition} positioned at {@code offset}, erasing nothing already
     * written; {@code eraseSize} as for {@link OtaTarget#begin} ({@link OtaTarget#OTA_WITH_SEQUENTIAL_WRITES} erases
     * the sectors after {@code offset} as they are reached). {@link OtaSession#end()} still verifies the whole image.
     */
    OtaSession resume(Partition partition, long eraseSize, long offset);

    /** {@code esp_partition_read}: {@code length} bytes at {@code offset} in {@code partition}. */
    byte[] read(Partition partition, long offset, int length);
}
