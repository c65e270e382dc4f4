package dev.flota.flash.loader;

import dev.flota.flash.nor.FlashException;
import dev.flota.flash.nor.NorFlash;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;

/**
 * A stub READ_FLASH after its reply: packets of {@code packet_size} raw bytes, each sent once the host acked all before
 * it with the running total (stub v1.0.0 keeps one in flight, whatever max_in_flight says), then the raw MD5 of it all.
 * A host that never reads the digest is fine: the next command is served as usual.
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
