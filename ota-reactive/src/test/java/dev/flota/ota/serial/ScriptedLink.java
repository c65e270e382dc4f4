package dev.flota.ota.serial;

import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.SlipDecoder;
import dev.flota.ota.serial.link.SerialLink;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/** A link whose far end is a function from each request to the bytes it answers with; reads never wait. */
final class ScriptedLink implements SerialLink {

    private final Function<LoaderRequest, byte[]> responder;
    private final SlipDecoder decoder = new SlipDecoder();
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    final List<LoaderRequest> requests = new ArrayList<>();
    private boolean closedByPeer;
    private byte[] bannerOnReset;

    ScriptedLink(Function<LoaderRequest, byte[]> responder) {
        this.responder = responder;
    }

    /** Bytes that arrive unasked. */
    void inject(byte[] bytes) {
        pending.writeBytes(bytes);
    }

    /** Poses as a real port: releasing EN (RTS off after on) makes the chip print {@code banner}. */
    ScriptedLink withResetBanner(String banner) {
        bannerOnReset = banner.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
        return this;
    }

    void closeByPeer() {
        closedByPeer = true;
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        byte[] all = pending.toByteArray();
        if (all.length == 0) {
            if (closedByPeer) {
                throw new EOFException("scripted peer closed the connection");
            }
            return 0;
        }
        int n = Math.min(length, all.length);
        System.arraycopy(all, 0, buffer, offset, n);
        pending.reset();
        pending.write(all, n, all.length - n);
        return n;
    }

    @Override
    public void write(byte[] bytes) {
        for (byte[] frame : decoder.feed(bytes, 0, bytes.length)) {
            LoaderRequest request = LoaderRequest.parse(frame);
            requests.add(request);
            byte[] answer = responder.apply(request);
            if (answer != null) {
                pending.writeBytes(answer);
            }
        }
    }

    @Override
    public void discardInput() {
    }

    @Override
    public boolean hasControlLines() {
        return bannerOnReset != null;
    }

    @Override
    public void dtr(boolean asserted) {
    }

    @Override
    public void rts(boolean asserted) {
        if (!asserted && bannerOnReset != null) {
            pending.writeBytes(bannerOnReset);
        }
    }

    @Override
    public void baudRate(int baud) {
    }

    @Override
    public String description() {
        return "scripted";
    }

    @Override
    public void close() {
    }
}
