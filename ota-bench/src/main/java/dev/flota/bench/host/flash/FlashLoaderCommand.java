package dev.flota.bench.host.flash;

import dev.flota.bench.UsageException;
import dev.flota.flash.device.Device;
import dev.flota.flash.loader.LinkModel;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.loader.LoaderServer;
import dev.flota.flash.nor.FlashTiming;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code flash loader}: the device in FILE held in download mode, its serial ROM loader served on TCP for
 * {@code esptool --port socket://HOST:PORT} or esptool-js. Runs until interrupted; on SIGTERM or SIGINT it stops
 * accepting, lets the command in progress finish, and flushes FILE and its sidecar.
 */
@Command(name = "loader", mixinStandardHelpOptions = true,
        description = {"Serve the device in FILE in download mode: its serial ROM loader (and the flasher stub once "
                + "uploaded) on TCP, for esptool --port socket://HOST:PORT. Writes land in FILE. Runs until "
                + "interrupted (SIGINT/SIGTERM), then leaves FILE complete.",
            "--baud limits the emulated link to that many bits per second (8N1) and makes the flash take its "
                + "typical datasheet time for erases and writes; CHANGE_BAUDRATE is acknowledged but does not "
                + "change the emulated rate."})
final class FlashLoaderCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    FlashImageFile file;

    @Option(names = "--port", required = true, paramLabel = "N", description = "TCP port, 0 for any free one")
    int port;

    @Option(names = "--host", defaultValue = "127.0.0.1", paramLabel = "HOST",
            description = "address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--baud", defaultValue = "0", paramLabel = "BITS_PER_SECOND",
            description = "emulated line rate, 0 for unlimited (default: ${DEFAULT-VALUE})")
    long baud;

    @Option(names = "--rfc2217", description = "speak RFC 2217 (for esptool --port rfc2217://HOST:PORT): DTR/RTS "
            + "resets into download mode or into the app, as esp_rfc2217_server interprets them")
    boolean rfc2217;

    @Override
    public Integer call() throws InterruptedException {
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be 0..65535, got " + port);
        }
        if (baud < 0) {
            throw new UsageException("--baud must not be negative, got " + baud);
        }
        FlashFiles.Opened opened = file.open(baud == 0 ? FlashTiming.instant() : FlashTiming.typical());
        LoaderDevice device;
        LoaderServer server;
        try {
            device = LoaderDevice.of(Device.of(opened.flash(), opened.properties()));
        } catch (IllegalArgumentException e) {
            opened.close();
            throw new UsageException(file.path() + ": " + e.getMessage(), e);
        }
        try {
            LinkModel link = baud == 0 ? LinkModel.unlimited() : LinkModel.baud(baud);
            server = rfc2217 ? LoaderServer.startRfc2217(device, host, port, link)
                    : LoaderServer.start(device, host, port, link);
        } catch (UncheckedIOException e) {
            opened.close();
            spec.commandLine().getErr().println("error: " + e.getMessage() + ": " + e.getCause().getMessage());
            return 1;
        }
        Shutdown shutdown = new Shutdown(server, device, opened);
        Runtime.getRuntime().addShutdownHook(new Thread(shutdown::run, "flash-loader-shutdown"));
        PrintWriter out = spec.commandLine().getOut();
        out.println("Serving " + device.device().chip().displayName() + " from " + file.path()
                + " in download mode; listening on " + server.host() + ":" + server.port()
                + (baud == 0 ? "" : " at " + baud + " baud") + (rfc2217 ? " (RFC 2217)" : ""));
        out.flush();
        shutdown.awaitDone();
        return 0;
    }

    /** Stops the server after the command in progress, then flushes and closes FILE: once, from the hook. */
    private static final class Shutdown {
        private final LoaderServer server;
        private final LoaderDevice device;
        private final FlashFiles.Opened opened;
        private final AtomicBoolean started = new AtomicBoolean();
        private final CountDownLatch done = new CountDownLatch(1);

        Shutdown(LoaderServer server, LoaderDevice device, FlashFiles.Opened opened) {
            this.server = server;
            this.device = device;
            this.opened = opened;
        }

        void run() {
            if (!started.compareAndSet(false, true)) {
                return;
            }
            try {
                server.close();
                opened.save(device.device().properties());
                opened.close();
            } finally {
                done.countDown();
            }
        }

        void awaitDone() throws InterruptedException {
            done.await();
        }
    }
}
