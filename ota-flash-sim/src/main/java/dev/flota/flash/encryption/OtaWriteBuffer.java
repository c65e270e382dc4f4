package dev.flota.flash.encryption;

import java.util.Arrays;
import java.util.Objects;

/**
 * {@code esp_ota_write}'s buffering on a device with flash encryption on (spec §1.8): only 16-byte multiples reach the
 * partition, a tail of 1..15 bytes waits in {@code partial_data[16]} and is topped up by the next call, and
 * {@code esp_ota_end} writes it as one full block. The pad after the tail is what the buffer held: 0x00 until the
 * first topped-up block was written, 0xFF after it. One per OTA handle; not thread-safe.
 */
public final class OtaWriteBuffer {

    /** Where the buffer's writes go: {@code esp_partition_write} at an offset inside the partition. */
    @FunctionalInterface
    public interface PartitionWriter {
        void write(long partitionOffset, byte[] data, int offset, int length);
    }

    private final byte[] partial = new byte[FlashCipher.BLOCK_SIZE];
    private int partialBytes;
    private long wroteSize;

    /** A buffer whose writes start at partition offset {@code wroteSize} (0, or a 16-aligned resume offset). */
    public OtaWriteBuffer(long wroteSize) {
        if (wroteSize < 0 || wroteSize % FlashCipher.BLOCK_SIZE != 0) {
            throw new IllegalArgumentException("the write offset must be a multiple of 16, got " + wroteSize);
        }
        this.wroteSize = wroteSize;
    }

    public OtaWriteBuffer() {
        this(0);
    }

    /** Passes on what can be written as whole 16-byte blocks and keeps the rest. */
    public void write(byte[] data, int offset, int length, PartitionWriter writer) {
        Objects.checkFromIndexSize(offset, length, data.length);
        if (partialBytes != 0) {
            int copy = Math.min(FlashCipher.BLOCK_SIZE - partialBytes, length);
            System.arraycopy(data, offset, partial, partialBytes, copy);
            partialBytes += copy;
            if (partialBytes != FlashCipher.BLOCK_SIZE) {
                return;
            }
            writer.write(wroteSize, partial, 0, FlashCipher.BLOCK_SIZE);
            partialBytes = 0;
            Arrays.fill(partial, (byte) 0xFF);
            wroteSize += FlashCipher.BLOCK_SIZE;
            offset += copy;
            length -= copy;
        }
        int tail = length % FlashCipher.BLOCK_SIZE;
        if (tail != 0) {
            length -= tail;
            System.arraycopy(data, offset + length, partial, 0, tail);
            partialBytes = tail;
        }
        if (length > 0) {
            writer.write(wroteSize, data, offset, length);
            wroteSize += length;
        }
    }

    /** {@code esp_ota_end}'s flush: a waiting tail goes out as one 16-byte block, padded with what the buffer held. */
    public void flush(PartitionWriter writer) {
        if (partialBytes > 0) {
            writer.write(wroteSize, partial.clone(), 0, FlashCipher.BLOCK_SIZE);
            partialBytes = 0;
            wroteSize += FlashCipher.BLOCK_SIZE;
        }
    }

    /** {@code wrote_size}: bytes passed to the partition so far, always a multiple of 16. */
    public long wroteSize() {
        return wroteSize;
    }

    /** Bytes waiting for their block to fill. */
    public int partialBytes() {
        return partialBytes;
    }
}
