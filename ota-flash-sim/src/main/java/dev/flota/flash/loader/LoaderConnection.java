package dev.flota.flash.loader;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;

/**
 * An in-memory serial link to a {@link LoaderDevice}, without TCP: write the host's bytes to {@link #output()}, read
 * the device's from {@link #input()}. The device side runs on its own thread; when the device loses power the input
 * ends (end of stream), as a TCP connection would be dropped. {@link #close()} ends the link after the command in
 * progress.
 */
public final class LoaderConnection implements AutoCloseable {

    private final BytePipe toDevice = new BytePipe(256 * 1024);
    private final BytePipe fromDevice = new BytePipe(256 * 1024);
    private final Thread thread;

    LoaderConnection(LoaderMachine machine, LinkModel link) {
        thread = new Thread(() -> {
            try {
                LoaderSession.serve(machine, toDevice.input(), fromDevice.output(), link, false);
            } catch (IOException | RuntimeException e) {
                // the host side is gone or the device failed: either way the link ends
            } finally {
                fromDevice.closeOutput();
                toDevice.closeInput();
            }
        }, "loader-device-link");
        thread.setDaemon(true);
        thread.start();
    }

    /** Bytes from the device. */
    public InputStream input() {
        return fromDevice.input();
    }

    /** Bytes to the device. */
    public OutputStream output() {
        return toDevice.output();
    }

    /** Closes the host's side and waits for the device to finish the command in progress. */
    @Override
    public void close() {
        toDevice.closeOutput();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new UncheckedIOException(new java.io.InterruptedIOException("interrupted closing the link"));
        } finally {
            fromDevice.closeInput();
        }
    }
}
