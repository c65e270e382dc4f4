package dev.flota.flash.loader;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;

/**
 * A bounded in-memory byte channel, one writer and one reader on any threads (unlike the JDK's piped streams, which
 * break when the writing thread ends). Writes block while full, reads while empty; closing the output gives the
 * reader end of stream, closing the input makes writes fail.
 */
final class BytePipe {

    private final byte[] buffer;
    private int head;
    private int count;
    private boolean outputClosed;
    private boolean inputClosed;

    BytePipe(int capacity) {
        this.buffer = new byte[capacity];
    }

    InputStream input() {
        return new InputStream() {
            @Override
            public int read() throws IOException {
                byte[] one = new byte[1];
                return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
            }

            @Override
            public int read(byte[] into, int off, int len) throws IOException {
                return take(into, off, len);
            }

            @Override
            public int available() {
                synchronized (BytePipe.this) {
                    return count;
                }
            }

            @Override
            public void close() {
                closeInput();
            }
        };
    }

    OutputStream output() {
        return new OutputStream() {
            @Override
            public void write(int b) throws IOException {
                write(new byte[] {(byte) b}, 0, 1);
            }

            @Override
            public void write(byte[] from, int off, int len) throws IOException {
                put(from, off, len);
            }

            @Override
            public void close() {
                closeOutput();
            }
        };
    }

    private synchronized int take(byte[] into, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (count == 0) {
            if (outputClosed || inputClosed) {
                return -1;
            }
            await();
        }
        int n = Math.min(len, count);
        for (int i = 0; i < n; i++) {
            into[off + i] = buffer[(head + i) % buffer.length];
        }
        head = (head + n) % buffer.length;
        count -= n;
        notifyAll();
        return n;
    }

    private synchronized void put(byte[] from, int off, int len) throws IOException {
        while (len > 0) {
            if (inputClosed || outputClosed) {
                throw new IOException("pipe closed");
            }
            if (count == buffer.length) {
                await();
                continue;
            }
            int n = Math.min(len, buffer.length - count);
            for (int i = 0; i < n; i++) {
                buffer[(head + count + i) % buffer.length] = from[off + i];
            }
            count += n;
            off += n;
            len -= n;
            notifyAll();
        }
    }

    synchronized void closeOutput() {
        outputClosed = true;
        notifyAll();
    }

    synchronized void closeInput() {
        inputClosed = true;
        notifyAll();
    }

    private void await() throws InterruptedIOException {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted");
        }
    }
}
