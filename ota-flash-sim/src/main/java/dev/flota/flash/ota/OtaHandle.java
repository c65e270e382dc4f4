package dev.flota.flash.ota;

import dev.flota.flash.EspError;
import dev.flota.flash.FormatException;
import dev.flota.flash.device.FlashView;
import dev.flota.flash.encryption.FlashEncryptionException;
import dev.flota.flash.encryption.OtaWriteBuffer;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * One {@code esp_ota_begin} … {@code esp_ota_end} session writing an image into a staging partition: sequential writes
 * with lazy sector erase (or a partition erased up front), the first-byte magic check, random-offset writes, and at the
 * end verification by the final partition's type and the optional copy to the final partition.
 * {@link #verifyWritten()} lets another thread start that verification while the writes go on.
 *
 * <p>With flash encryption on (spec §1.8) writes go out in 16-byte units through {@code esp_partition_write}
 * (encrypted on an encrypted partition), a tail waits in an {@link OtaWriteBuffer} until the next write or
 * {@link #end()}, {@link #writeWithOffset} takes 16-byte multiples only, and the image is verified reading decrypted.
 */
public final class OtaHandle {

    private final OtaOperations ota;
    private final Partition staging;
    private final boolean lazyErase;
    private final boolean resumed;
    private Partition finalPartition;
    private boolean finalizeWithCopy;
    private long erasedUpTo;
    private long wroteSize;
    private boolean open = true;
    private long ownModifications;
    private boolean othersWrote;
    private ReadBackVerifier readBack;
    private final FlashView view;
    private final OtaWriteBuffer buffer;

    OtaHandle(OtaOperations ota, Partition staging, boolean lazyErase, long erasedUpTo, long wroteSize,
            boolean resumed) {
        this.ota = ota;
        this.staging = staging;
        this.finalPartition = staging;
        this.lazyErase = lazyErase;
        this.erasedUpTo = erasedUpTo;
        this.wroteSize = wroteSize;
        this.resumed = resumed;
        this.ownModifications = ota.device().flash().modifications();
        this.view = ota.device().flashView();
        this.buffer = view.encryptionOn() ? new OtaWriteBuffer(wroteSize) : null;
    }

    /** The partition being written. */
    public Partition partition() {
        return staging;
    }

    public synchronized Partition finalPartition() {
        return finalPartition;
    }

    /**
     * Bytes written to flash so far ({@code wrote_size}), including a resumed offset; with flash encryption on a
     * multiple of 16, the tail of the last write still waiting in the buffer not counted.
     */
    public synchronized long bytesWritten() {
        return wroteSize;
    }

    /** Bytes taken by {@link #write}: those in flash and those waiting in the 16-byte buffer. */
    private long accepted() {
        return wroteSize + (buffer == null ? 0 : buffer.partialBytes());
    }

    /** {@code esp_ota_write}: appends {@code data}, erasing sectors as they are first reached. */
    public void write(byte[] data) {
        write(ByteBuffer.wrap(Objects.requireNonNull(data, "data")));
    }

    /** {@code esp_ota_write} for all remaining bytes of {@code data}. */
    public synchronized void write(ByteBuffer data) {
        if (data == null) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "data is NULL");
        }
        requireOpen(EspError.ESP_ERR_INVALID_ARG);
        int length = data.remaining();
        if (length == 0) {
            return;
        }
        if (accepted() + length > staging.size()) {
            throw new OtaException(EspError.ESP_ERR_INVALID_SIZE, String.format(
                    "writing 0x%x bytes at 0x%x overruns partition '%s' (0x%x bytes)", length, accepted(),
                    staging.label(), staging.size()));
        }
        NorFlash flash = ota.device().flash();
        synchronized (flash) {
            othersWrote |= flash.modifications() != ownModifications;
            try {
                if (lazyErase) {
                    FlashCalls.run(() -> {
                        while (erasedUpTo < accepted() + length) {
                            flash.eraseSector(staging.offset() + erasedUpTo);
                            erasedUpTo += NorFlash.SECTOR_SIZE;
                        }
                    });
                }
                if (accepted() == 0) {
                    checkMagic(data);
                }
                if (buffer == null) {
                    program(flash, staging.offset() + wroteSize, data, length);
                    wroteSize += length;
                } else {
                    byte[] bytes = new byte[length];
                    data.get(bytes);
                    encryptedCall(() -> buffer.write(bytes, 0, length, this::partitionWrite));
                    wroteSize = buffer.wroteSize();
                }
            } finally {
                ownModifications = flash.modifications();
            }
        }
    }

    /** {@code esp_partition_write} at {@code partitionOffset} in the staging partition. */
    private void partitionWrite(long partitionOffset, byte[] data, int offset, int length) {
        view.write(staging, staging.offset() + partitionOffset, data, offset, length);
    }

    /** A write through the encryption block: its flash errors as for any write, its refusals as OTA errors. */
    private static void encryptedCall(Runnable call) {
        try {
            FlashCalls.run(call);
        } catch (FlashEncryptionException e) {
            throw new OtaException(e.error(), e.getMessage(), e);
        }
    }

    private static void program(NorFlash flash, long address, ByteBuffer data, int length) {
        if (data.hasArray()) {
            byte[] array = data.array();
            int offset = data.arrayOffset() + data.position();
            FlashCalls.run(() -> flash.program(address, array, offset, length));
            data.position(data.limit());
        } else {
            byte[] bytes = new byte[length];
            data.get(bytes);
            FlashCalls.run(() -> flash.program(address, bytes));
        }
    }

    /**
     * Starts {@code esp_ota_end}'s image check early: reads back and verifies what has been written so far, so that
     * {@link #end()} only reads the rest. Meant for another thread than the writer's, while writes go on; a no-op for
     * anything but an app or bootloader image, and never fails (the check at the end reads again whatever it cannot
     * vouch for).
     */
    public void verifyWritten() {
        ReadBackVerifier verifier;
        long upTo;
        synchronized (this) {
            ImageKind kind = imageKind();
            if (!open || othersWrote || kind == null) {
                return;
            }
            if (readBack == null) {
                readBack = new ReadBackVerifier(view, staging, kind,
                        ota.device().verifyOptions(kind, staging), ota.device().properties());
            }
            verifier = readBack;
            upTo = wroteSize;
        }
        verifier.readUpTo(upTo);
    }

    /**
     * {@code esp_ota_write_with_offset}: writes at {@code offset} in the partition, for images arriving out of order.
     * Needs a partition erased up front (not the sequential-writes mode); no magic check.
     */
    public synchronized void writeWithOffset(byte[] data, long offset) {
        requireOpen(EspError.ESP_ERR_INVALID_ARG);
        if (lazyErase) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG,
                    "write_with_offset needs the partition erased at begin (not OTA_WITH_SEQUENTIAL_WRITES)");
        }
        if (offset < 0 || offset + data.length > staging.size()) {
            throw new OtaException(EspError.ESP_ERR_INVALID_SIZE, String.format(
                    "0x%x bytes at 0x%x do not fit partition '%s'", data.length, offset, staging.label()));
        }
        othersWrote = true;
        if (view.encryptionOn()) {
            if (data.length % 16 != 0) {
                throw new OtaException(EspError.ESP_ERR_INVALID_ARG,
                        "Size should be 16byte aligned for flash encryption case");
            }
            encryptedCall(() -> partitionWrite(offset, data, 0, data.length));
        } else {
            FlashCalls.run(() -> ota.device().flash().program(staging.offset() + offset, data));
        }
        wroteSize = Math.max(wroteSize, offset + data.length);
    }

    /**
     * {@code esp_ota_set_final_partition}: the partition whose type decides the checks and which, with
     * {@code copy}, receives the staging contents after a successful {@link #end()}.
     */
    public synchronized void setFinalPartition(Partition target, boolean copy) {
        if (target == null) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "final partition is NULL");
        }
        requireOpen(EspError.ESP_ERR_NOT_FOUND);
        if (wroteSize > 0 && !resumed) {
            throw new OtaException(EspError.ESP_ERR_INVALID_STATE, "data was already written");
        }
        ota.requireInTable(target);
        if (target.equals(staging)) {
            return;
        }
        finalPartition = target;
        finalizeWithCopy = copy;
    }

    /**
     * {@code esp_ota_end}: verifies what was written by the final partition's type (app or bootloader image, partition
     * table, nothing for data) and copies it to the final partition when asked. The handle is closed either way.
     *
     * @return the verdict on an app or bootloader image; empty for a partition table or data
     */
    public synchronized Optional<ImageVerification> end() {
        requireOpen(EspError.ESP_ERR_NOT_FOUND);
        open = false;
        ota.closed(this);
        if (wroteSize == 0) {
            throw new OtaException(EspError.ESP_ERR_INVALID_ARG, "nothing was written"
                    + (buffer != null && buffer.partialBytes() > 0 ? " (under 16 bytes, with flash encryption)" : ""));
        }
        if (buffer != null && buffer.partialBytes() > 0) {
            try {
                FlashCalls.run(() -> buffer.flush(this::partitionWrite));
            } catch (OtaException | FlashEncryptionException e) {
                throw new OtaException(EspError.ESP_ERR_INVALID_STATE, "writing the last 16-byte block failed: "
                        + e.getMessage(), e);
            }
            wroteSize = buffer.wroteSize();
            ownModifications = ota.device().flash().modifications();
        }
        Optional<ImageVerification> verdict = verify();
        if (finalizeWithCopy) {
            copyToFinal();
        }
        return verdict;
    }

    /** {@code esp_ota_abort}: closes the handle; what was written stays in flash, nothing else changes. */
    public synchronized void abort() {
        requireOpen(EspError.ESP_ERR_NOT_FOUND);
        open = false;
        ota.closed(this);
    }

    public synchronized boolean isOpen() {
        return open;
    }

    private void checkMagic(ByteBuffer data) {
        int type = finalPartition.type();
        int first = data.get(data.position()) & 0xFF;
        if ((type == Partition.TYPE_APP || type == Partition.TYPE_BOOTLOADER) && first != 0xE9) {
            throw new OtaException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, String.format(
                    "OTA image has invalid magic byte (expected 0xE9, saw 0x%02x)", first));
        }
        if (type == Partition.TYPE_PARTITION_TABLE && (first != 0xAA
                || data.remaining() > 1 && (data.get(data.position() + 1) & 0xFF) != 0x50)) {
            throw new OtaException(EspError.ESP_ERR_OTA_VALIDATE_FAILED,
                    "partition table image does not start with magic 0x50AA");
        }
    }

    private ImageKind imageKind() {
        int type = finalPartition.type();
        return type == Partition.TYPE_APP ? ImageKind.APP : type == Partition.TYPE_BOOTLOADER ? ImageKind.BOOTLOADER
                : null;
    }

    private Optional<ImageVerification> verify() {
        int type = finalPartition.type();
        ImageKind kind = imageKind();
        if (kind != null) {
            ImageVerification image = readBack == null || othersWrote ? null
                    : readBack.finish(kind, ota.device().properties(), ownModifications);
            if (image != null) {
                ota.imageChecks().remember(staging, kind, ota.device().properties(), ownModifications, image);
            } else {
                image = ota.imageChecks().verify(staging, kind);
            }
            if (!image.valid()) {
                throw new OtaException(EspError.ESP_ERR_OTA_VALIDATE_FAILED, "image in '" + staging.label()
                        + "' does not verify: " + image.findings());
            }
            return Optional.of(image);
        } else if (type == Partition.TYPE_PARTITION_TABLE) {
            try {
                PartitionTable table = PartitionTable.parse(view.read(staging, staging.offset(),
                        PartitionTable.MAX_LENGTH));
                table.verifyFits(ota.device().flash().size());
                table.verify(finalPartition.offset());
            } catch (FormatException e) {
                throw new OtaException(EspError.ESP_ERR_OTA_VALIDATE_FAILED,
                        "partition table in '" + staging.label() + "' is invalid: " + e.getMessage(), e);
            }
        }
        return Optional.empty();
    }

    private void copyToFinal() {
        NorFlash flash = ota.device().flash();
        long size = finalPartition.size();
        if (size > staging.size()) {
            throw new OtaException(EspError.ESP_ERR_INVALID_SIZE, "final partition '" + finalPartition.label()
                    + "' is larger than staging '" + staging.label() + "'");
        }
        encryptedCall(() -> {
            flash.eraseRange(finalPartition.offset(), size);
            byte[] sector = new byte[NorFlash.SECTOR_SIZE];
            for (long offset = 0; offset < size; offset += sector.length) {
                view.read(staging, staging.offset() + offset, sector, 0, sector.length);
                view.write(finalPartition, finalPartition.offset() + offset, sector);
            }
        });
    }

    private void requireOpen(EspError error) {
        if (!open) {
            throw new OtaException(error, "OTA handle for '" + staging.label() + "' is closed");
        }
    }
}
