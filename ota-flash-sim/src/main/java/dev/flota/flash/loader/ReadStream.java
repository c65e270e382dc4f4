package dev.flota.flash.loader;

import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;

/**
 * A stub READ_FLASH: {@link #requested} checks the command and replies, then the stream sends packets of
 * {@code packet_size} raw bytes, each once the host acked all before it with the running total (stub v1.0.0 keeps one
 * in flight, whatever max_in_flight says), then the raw MD5 of it all. A host that never reads the digest is fine: the
 * next command is served as usual.
 */
final class ReadStream {

    private final LoaderMachine machine;
    private final NorFlash flash;
    private final long offset;
    private final long length;
    private final int packetSize;
    private final MessageDigest md5 = LoaderMachine.md5();
    private long sent;
    private boolean done;

    ReadStream(LoaderMachine machine, NorFlash flash, long offset, long length, int packetSize) {
        this.machine = machine;
        this.flash = flash;
        this.offset = offset;
        this.length = length;
        this.packetSize = packetSize;
    }

    /**
     * READ_FLASH: refuses a bad packet size or a region past the chip's end, else acks it.
     *
     * @return the stream to {@link #start} once acked, or null when refused
     */
    static ReadStream requested(LoaderMachine machine, NorFlash flash, LoaderRequest request, LoaderMachine.Wire wire)
            throws IOException {
        LoaderMachine.requireLength(request, 16);
        long offset = request.word(0) & 0xFFFFFFFFL;
        long length = request.word(1) & 0xFFFFFFFFL;
        int packetSize = request.word(2);
        if (packetSize <= 0 || packetSize > 0x1000) {
            machine.fail(wire, request.opcode(), null, LoaderErrorCode.BAD_BLOCKSIZE);
            return null;
        }
        if (offset + length > flash.size()) {
            machine.fail(wire, request.opcode(), null, LoaderErrorCode.FAILED_SPI_OP);
            return null;
        }
        machine.ok(wire, request.opcode());
        return new ReadStream(machine, flash, offset, length, packetSize);
    }

    void start(LoaderMachine.Wire wire) throws IOException {
        next(wire);
    }

    /** A 4-byte frame from the host: the bytes it has received so far. */
    void acked(byte[] frame, LoaderMachine.Wire wire) throws IOException {
        long total = ByteBuffer.wrap(frame).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xFFFFFFFFL;
        if (total >= sent) {
            next(wire);
        }
    }

    boolean done() {
        return done;
    }

    private void next(LoaderMachine.Wire wire) throws IOException {
        if (sent >= length) {
            wire.send(md5.digest());
            wire.flush();
            done = true;
            return;
        }
        int n = (int) Math.min(packetSize, length - sent);
        byte[] packet;
        try {
            packet = flash.read(offset + sent, n);
        } catch (FlashException e) {
            LoaderMachine.rethrowPowerLoss(e);
            done = true;
            return;
        }
        machine.waitBusy(wire);
        md5.update(packet);
        sent += n;
        wire.send(packet);
        wire.flush();
    }
}
