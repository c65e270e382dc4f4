package dev.flota.ota.serial;

import dev.flota.ota.serial.link.SerialLink;
import java.io.IOException;
import java.time.Duration;

/** A link that passes everything on, for a watcher to override what it watches. */
class ForwardingLink implements SerialLink {

    private final SerialLink link;

    ForwardingLink(SerialLink link) {
        this.link = link;
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        return link.read(buffer, offset, length, timeout);
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        link.write(bytes);
    }

    @Override
    public void discardInput() throws IOException {
        link.discardInput();
    }

    @Override
    public boolean hasControlLines() {
        return link.hasControlLines();
    }

    @Override
    public void dtr(boolean asserted) throws IOException {
        link.dtr(asserted);
    }

    @Override
    public void rts(boolean asserted) throws IOException {
        link.rts(asserted);
    }

    @Override
    public void baudRate(int baud) throws IOException {
        link.baudRate(baud);
    }

    @Override
    public String description() {
        return link.description();
    }

    @Override
    public void close() throws IOException {
        link.close();
    }
}
