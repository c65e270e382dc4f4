package dev.flota.ota.serial;

import dev.flota.flash.EspError;
import dev.flota.flash.FormatException;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.ota.serial.link.ResetSequence;
import dev.flota.ota.serial.link.SerialLink;
import dev.flota.ota.target.TargetException;
import java.io.IOException;
import java.util.Objects;
import java.util.Optional;

/**
 * How to reach a chip's serial loader, immutable and fluent: the port ({@code /dev/ttyUSB0}, {@code COM3},
 * {@code socket://host:port}), the baud rate after connecting, the flasher stub (optional; the ROM does the job
 * without it, only slower, §4.3 of the loader reference), timeouts, whether the app was built with rollback.
 * {@link #connect()} resets the chip into download mode (a real port), syncs, detects it and reads its partition
 * table and otadata.
 *
 * <pre>{@code
 * try (SerialTarget chip = SerialTarget.port("/dev/ttyUSB0").baud(460800).stub(StubImage.read(json)).connect()) {
 *     HttpsOta.create().url(url).update(chip).blockLast();
 * }
 * }</pre>
 */
public final class SerialConnector {

    private static final int APP_HEAD = AppDescription.IMAGE_OFFSET + AppDescription.SIZE;

    /** Opens the byte link; {@link SerialLink#open} for a port name. */
    @FunctionalInterface
    public interface LinkOpener {
        SerialLink open() throws IOException;
    }

    private final LinkOpener opener;
    private final String port;
    private final int baud;
    private final StubImage stub;
    private final LoaderTimeouts timeouts;
    private final boolean rollback;
    private final boolean resetBefore;
    private final boolean resetAfter;
    private final long partitionTableOffset;
    private final ResetSequence.Sleeper sleeper;

    private SerialConnector(LinkOpener opener, String port, int baud, StubImage stub, LoaderTimeouts timeouts,
            boolean rollback, boolean resetBefore, boolean resetAfter, long partitionTableOffset,
            ResetSequence.Sleeper sleeper) {
        this.opener = opener;
        this.port = port;
        this.baud = baud;
        this.stub = stub;
        this.timeouts = timeouts;
        this.rollback = rollback;
        this.resetBefore = resetBefore;
        this.resetAfter = resetAfter;
        this.partitionTableOffset = partitionTableOffset;
        this.sleeper = sleeper;
    }

    static SerialConnector port(String port) {
        Objects.requireNonNull(port, "port");
        return new SerialConnector(null, port, FlashLoader.ROM_BAUD, null, LoaderTimeouts.esptool(), false, true,
                true, PartitionTable.DEFAULT_OFFSET, ResetSequence.Sleeper.REAL);
    }

    static SerialConnector link(LinkOpener opener, String description) {
        Objects.requireNonNull(opener, "opener");
        return new SerialConnector(opener, description, FlashLoader.ROM_BAUD, null, LoaderTimeouts.esptool(), false,
                true, true, PartitionTable.DEFAULT_OFFSET, ResetSequence.Sleeper.REAL);
    }

    /** The baud rate after connecting (CHANGE_BAUDRATE); connecting is always at 115200. */
    public SerialConnector baud(int baud) {
        if (baud < 300) {
            throw new IllegalArgumentException("baud " + baud);
        }
        return new SerialConnector(opener, port, baud, stub, timeouts, rollback, resetBefore, resetAfter,
                partitionTableOffset, sleeper);
    }

    /** Uploads and uses this flasher stub (16 KiB blocks, streamed reads, ERASE_FLASH). */
    public SerialConnector stub(StubImage stub) {
        return new SerialConnector(opener, port, baud, Objects.requireNonNull(stub, "stub"), timeouts, rollback,
                resetBefore, resetAfter, partitionTableOffset, sleeper);
    }

    public SerialConnector timeouts(LoaderTimeouts timeouts) {
        return new SerialConnector(opener, port, baud, stub, Objects.requireNonNull(timeouts, "timeouts"), rollback,
                resetBefore, resetAfter, partitionTableOffset, sleeper);
    }

    /**
     * Whether the chip's bootloader and app have {@code CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE}: a switched slot is
     * then written as NEW (else UNDEFINED), and PENDING_VERIFY entries count as aborted when reading what runs.
     * The chip cannot tell; default false.
     */
    public SerialConnector rollback(boolean enabled) {
        return new SerialConnector(opener, port, baud, stub, timeouts, enabled, resetBefore, resetAfter,
                partitionTableOffset, sleeper);
    }

    /** esptool's {@code --before}: reset into download mode first (default true; a socket never resets). */
    public SerialConnector resetBefore(boolean reset) {
        return new SerialConnector(opener, port, baud, stub, timeouts, rollback, reset, resetAfter,
                partitionTableOffset, sleeper);
    }

    /** esptool's {@code --after hard-reset}: {@link SerialTarget#close()} resets into the app (default true). */
    public SerialConnector resetAfter(boolean reset) {
        return new SerialConnector(opener, port, baud, stub, timeouts, rollback, resetBefore, reset,
                partitionTableOffset, sleeper);
    }

    /** {@code CONFIG_PARTITION_TABLE_OFFSET} (default 0x8000). */
    public SerialConnector partitionTableOffset(long offset) {
        if (offset < 0 || offset % 0x1000 != 0) {
            throw new IllegalArgumentException("partition table offset must be sector aligned: 0x"
                    + Long.toHexString(offset));
        }
        return new SerialConnector(opener, port, baud, stub, timeouts, rollback, resetBefore, resetAfter, offset,
                sleeper);
    }

    /** How reset sequences and the settling after a baud change wait; tests pass one that does not sleep. */
    public SerialConnector sleeper(ResetSequence.Sleeper sleeper) {
        return new SerialConnector(opener, port, baud, stub, timeouts, rollback, resetBefore, resetAfter,
                partitionTableOffset, Objects.requireNonNull(sleeper, "sleeper"));
    }

    public String port() {
        return port;
    }

    public Optional<StubImage> stub() {
        return Optional.ofNullable(stub);
    }

    /**
     * Opens the port, connects to the loader and reads the partition table and otadata.
     *
     * @throws LoaderException when the port cannot be opened ({@code LINK_CLOSED}), the chip does not sync, or an
     *                         exchange fails
     */
    public SerialTarget connect() {
        SerialLink link;
        try {
            link = opener != null ? opener.open() : SerialLink.open(port, FlashLoader.ROM_BAUD);
        } catch (IOException e) {
            throw new LoaderException(LoaderException.Reason.LINK_CLOSED, "cannot open " + port + ": "
                    + e.getMessage(), e);
        }
        FlashLoader loader = LoaderConnect.connect(link, timeouts, Optional.ofNullable(stub), baud, resetBefore,
                sleeper);
        try {
            return open(loader);
        } catch (RuntimeException e) {
            loader.close();
            throw e;
        }
    }

    /**
     * The rest of {@link #connect()}, from the chip's own flash: the partition table, what otadata selects (or the
     * factory app) and its app description, once a chip with encrypted flash was refused.
     */
    private SerialTarget open(FlashLoader loader) {
        loader.security().refuseEncryptedFlash(loader.chip());
        PartitionTable table;
        try {
            table = PartitionTable.parse(loader.readFlash(partitionTableOffset, PartitionTable.MAX_LENGTH));
        } catch (FormatException e) {
            throw new TargetException(EspError.ESP_ERR_NOT_FOUND, String.format(
                    "no valid partition table at 0x%x on the %s: %s", partitionTableOffset,
                    loader.chip().displayName(), e.getMessage()), e);
        }
        Optional<Partition> running = table.otadata().isEmpty() ? table.factory()
                : SerialTarget.readOtadata(loader, table).select(table, rollback).partition(table);
        Optional<AppDescription> app = running.flatMap(p -> {
            byte[] head = loader.readFlash(p.offset(), APP_HEAD);
            return AppDescription.isPresent(head, AppDescription.IMAGE_OFFSET)
                    ? Optional.of(AppDescription.parse(head, AppDescription.IMAGE_OFFSET)) : Optional.empty();
        });
        return new SerialTarget(loader, rollback, resetAfter, sleeper, table, running, app);
    }

    @Override
    public String toString() {
        return "SerialConnector[" + port + ", " + baud + " baud" + (stub != null ? ", stub" : ", ROM") + "]";
    }
}
