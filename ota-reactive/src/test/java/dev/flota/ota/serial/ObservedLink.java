package dev.flota.ota.serial;

import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.ota.serial.link.SerialLink;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A link that watches: how many FLASH_DEFL_DATA blocks were in flight at most (sent, not yet answered), and, posing
 * as a real port with control lines, what was done to DTR and RTS.
 */
final class ObservedLink extends ForwardingLink {

    private final SlipDecoder sent = new SlipDecoder();
    private final SlipDecoder received = new SlipDecoder();
    final List<String> lines = new ArrayList<>();
    private int inFlight;
    private int maxInFlight;

    ObservedLink(SerialLink link) {
        super(link);
    }

    int maxBlocksInFlight() {
        return maxInFlight;
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        int n = super.read(buffer, offset, length, timeout);
        for (byte[] frame : received.feed(buffer, offset, n)) {
            if (frame.length > 1 && frame[0] == 1 && (frame[1] & 0xFF) == LoaderOpcode.FLASH_DEFL_DATA.code()) {
                inFlight--;
            }
        }
        return n;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        for (byte[] frame : sent.feed(bytes, 0, bytes.length)) {
            if (frame.length > 1 && (frame[1] & 0xFF) == LoaderOpcode.FLASH_DEFL_DATA.code()) {
                maxInFlight = Math.max(maxInFlight, ++inFlight);
            }
        }
        super.write(bytes);
    }

    @Override
    public boolean hasControlLines() {
        return true;
    }

    @Override
    public void dtr(boolean asserted) {
        lines.add("DTR=" + (asserted ? 1 : 0));
    }

    @Override
    public void rts(boolean asserted) {
        lines.add("RTS=" + (asserted ? 1 : 0));
    }

    @Override
    public void baudRate(int baud) {
        lines.add("baud=" + baud);
    }

    @Override
    public void close() throws IOException {
        lines.add("closed");
        super.close();
    }
}
