package dev.flota.ota.target;

import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.partition.Partition;
import java.nio.ByteBuffer;
import java.util.Optional;

/**
 * One {@code esp_ota_begin} … {@code esp_ota_end} session on an {@link OtaTarget}: sequential or random-offset writes
 * into the staging partition, then the end with its verification verdict, or an abort that leaves the boot partition
 * as it was. Errors are {@link TargetException}s.
 */
public interface OtaSession {

    /** The partition being written. */
    Partition partition();

    /**
     * {@code esp_ota_set_final_partition}: the partition whose type decides the checks and which, with {@code copy},
     * receives the staging contents after a successful {@link #end()}. Only before the first write.
     */
    void setFinalPartition(Partition finalPartition, boolean copy);

    /**
     * {@code esp_ota_write}: appends all remaining bytes of {@code data}. As {@code esp_ota_write} keeps no pointer to
     * the data, the session keeps no reference to {@code data} once the call returns: the engine reuses its memory.
     */
    void write(ByteBuffer data);

    /** {@code esp_ota_write_with_offset}: writes {@code data} at {@code offset} in the partition. */
    void writeWithOffset(ByteBuffer data, long offset);

    /**
     * {@code esp_ota_end}: verifies what was written by the final partition's type and copies it when asked; throws
     * {@code ESP_ERR_OTA_VALIDATE_FAILED} when it does not verify. Returns the verdict for an app or bootloader
     * image, empty for a partition table or data. The session is closed either way.
     */
    Optional<ImageVerification> end();

    /** {@code esp_ota_abort}: closes the session; what was written stays, nothing else changes. */
    void abort();

    /** Whether neither {@link #end()} nor {@link #abort()} ran yet. */
    boolean isOpen();

    /**
     * Starts {@link #end()}'s verification early, on another thread than the writer's, so that the end reads only
     * the rest. Never fails; a target that cannot do this does nothing.
     */
    default void verifyWritten() {
    }
}
