package dev.flota.ota.serial;

import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.ota.serial.link.SerialLink;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;

/**
 * A link that breaks on cue, counted in the host's requests of one opcode: from the n-th on the chip's replies are
 * swallowed (it stops answering), the link is closed (a dropped connection), or a bad SLIP escape is put into what
 * arrives (a garbled frame).
 */
final class FaultyLink extends ForwardingLink {

    enum Fault { SILENCE, DROP, GARBLE }

    private final LoaderOpcode opcode;
    private final int after;
    private final Fault fault;
    private final SlipDecoder requests = new SlipDecoder();
    private int seen;
    private boolean garbled;

    FaultyLink(SerialLink link, LoaderOpcode opcode, int after, Fault fault) {
        super(link);
        this.opcode = opcode;
        this.after = after;
        this.fault = fault;
    }

    /** Whether the fault has struck. */
    boolean struck() {
        return seen > after;
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        if (struck() && fault == Fault.DROP) {
            throw new EOFException("the connection dropped");
        }
        int n = super.read(buffer, offset, length, timeout);
        if (struck() && fault == Fault.SILENCE) {
            return 0;
        }
        if (struck() && fault == Fault.GARBLE && !garbled && n >= 4) {
            buffer[offset + 2] = (byte) 0xDB;
            buffer[offset + 3] = 0x00;
            garbled = true;
        }
        return n;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        for (byte[] frame : requests.feed(bytes, 0, bytes.length)) {
            if (frame.length > 1 && (frame[1] & 0xFF) == opcode.code()) {
                seen++;
            }
        }
        if (struck() && fault == Fault.DROP) {
            throw new EOFException("the connection dropped");
        }
        super.write(bytes);
    }
}
