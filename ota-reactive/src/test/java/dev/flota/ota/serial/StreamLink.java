package dev.flota.ota.serial;

import dev.flota.ota.serial.link.SerialLink;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A {@link SerialLink} over a pair of streams (the simulated loader's in-memory connection): a reader thread moves
 * what arrives into a queue, so reads can wait with a timeout. End of stream reads as a closed link.
 */
final class StreamLink implements SerialLink {

    private static final byte[] END = new byte[0];

    private final OutputStream out;
    private final AutoCloseable resource;
    private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
    private byte[] current = new byte[0];
    private int position;
    private boolean ended;

    StreamLink(InputStream in, OutputStream out, AutoCloseable resource) {
        this.out = out;
        this.resource = resource;
        Thread reader = new Thread(() -> {
            byte[] buffer = new byte[8192];
            try {
                int n;
                while ((n = in.read(buffer)) >= 0) {
                    chunks.add(Arrays.copyOf(buffer, n));
                }
            } catch (IOException e) {
                // the link ended
            } finally {
                chunks.add(END);
            }
        }, "stream-link-reader");
        reader.setDaemon(true);
        reader.start();
    }

    @Override
    public int read(byte[] buffer, int offset, int length, Duration timeout) throws IOException {
        if (position == current.length) {
            if (ended) {
                throw new EOFException("the loader closed the link");
            }
            byte[] next;
            try {
                next = chunks.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted");
            }
            if (next == null) {
                return 0;
            }
            if (next == END) {
                ended = true;
                throw new EOFException("the loader closed the link");
            }
            current = next;
            position = 0;
        }
        int n = Math.min(length, current.length - position);
        System.arraycopy(current, position, buffer, offset, n);
        position += n;
        return n;
    }

    @Override
    public void write(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    @Override
    public void discardInput() {
        byte[] next;
        position = current.length;
        while ((next = chunks.peek()) != null && next != END) {
            chunks.poll();
        }
    }

    @Override
    public String description() {
        return "in-memory loader";
    }

    @Override
    public void close() throws IOException {
        try {
            resource.close();
        } catch (Exception e) {
            throw new IOException(e);
        }
    }
}
