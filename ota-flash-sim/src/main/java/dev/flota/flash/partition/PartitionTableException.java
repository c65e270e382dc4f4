package dev.flota.flash.partition;

import dev.flota.flash.FormatException;
import java.util.Objects;

/**
 * A partition table that the device would reject (binary) or that {@code gen_esp32part.py} would refuse (CSV),
 * with a machine-readable {@link Reason} so callers and tests need not match message text.
 */
public final class PartitionTableException extends FormatException {

    /** Why the table was refused. */
    public enum Reason {
        /** An entry's magic is neither 0x50AA, the MD5 entry 0xEBEB nor the end marker. */
        BAD_MAGIC,
        /** The stored MD5 differs from the MD5 of the preceding entries. */
        MD5_MISMATCH,
        /** More than one MD5 entry. */
        DUPLICATE_MD5,
        /** No end marker within the 0xC00-byte table area. */
        MISSING_END_MARKER,
        /** The input ends before the end marker. */
        TRUNCATED,
        /** The encoded table would not fit in 0xC00 bytes. */
        TABLE_TOO_LONG,
        /** A CSV line cannot be parsed (empty type, unknown keyword or flag, bad number). */
        CSV_SYNTAX,
        /** A number is outside what the 32-byte entry can hold. */
        VALUE_OUT_OF_RANGE,
        /** A bootloader or partition-table entry needs an offset that was not given. */
        MISSING_OFFSET,
        /** Two partitions overlap, or one starts inside the partition table sector. */
        OVERLAP,
        /** Two partitions share a name. */
        DUPLICATE_NAME,
        /** More than one otadata (or TEE otadata) partition. */
        MULTIPLE_OTADATA,
        /** The otadata (or TEE otadata) partition is not 0x2000 bytes. */
        OTADATA_SIZE,
        /** {@code readonly} on a partition that is always written (otadata, coredump). */
        READONLY_NOT_ALLOWED,
        /** A read-write NVS partition smaller than 0x3000. */
        NVS_TOO_SMALL,
        /** An offset or app size violates the alignment rules. */
        MISALIGNED,
        /** The partitions end beyond the configured flash size. */
        DOES_NOT_FIT_FLASH,
        /** The primary bootloader offset is not below the partition table. */
        BAD_CONFIGURATION
    }

    private final Reason reason;

    public PartitionTableException(Reason reason, String message) {
        super(message);
        this.reason = Objects.requireNonNull(reason);
    }

    public Reason reason() {
        return reason;
    }
}
