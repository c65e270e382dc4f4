package dev.flota.flash.loader;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.concurrent.locks.LockSupport;

/** Streams that let bytes through no faster than a {@link LinkModel} line carries them. */
final class PacedStreams {

    private static final int SLICE = 64;

    private PacedStreams() {
    }

    static InputStream input(InputStream in, LinkModel link) {
        if (!link.limited()) {
            return in;
        }
        Line line = new Line(link);
        return new FilterInputStream(in) {
            @Override
            public int read() throws IOException {
                int b = super.read();
                if (b >= 0) {
                    line.carry(1);
                }
                return b;
            }

            @Override
            public int read(byte[] into, int off, int len) throws IOException {
                int n = super.read(into, off, Math.min(len, SLICE));
                if (n > 0) {
                    line.carry(n);
                }
                return n;
            }
        };
    }

    static OutputStream output(OutputStream out, LinkModel link) {
        if (!link.limited()) {
            return out;
        }
        Line line = new Line(link);
        return new FilterOutputStream(out) {
            @Override
            public void write(int b) throws IOException {
                line.carry(1);
                out.write(b);
            }

            @Override
            public void write(byte[] from, int off, int len) throws IOException {
                while (len > 0) {
                    int n = Math.min(len, SLICE);
                    line.carry(n);
                    out.write(from, off, n);
                    out.flush();
                    off += n;
                    len -= n;
                }
            }
        };
    }

    /** One direction of the line: when it is free again. */
    private static final class Line {
        private final LinkModel link;
        private long freeAt = System.nanoTime();

        Line(LinkModel link) {
            this.link = link;
        }

        void carry(int bytes) {
            long now = System.nanoTime();
            freeAt = Math.max(freeAt, now) + link.nanosFor(bytes);
            parkUntil(freeAt);
        }
    }

    /** Waits until {@code deadline} ({@link System#nanoTime()}): the link or the flash is busy until then. */
    static void parkUntil(long deadline) {
        for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
            LockSupport.parkNanos(left);
            if (Thread.currentThread().isInterrupted()) {
                return;
            }
        }
    }
}
