package dev.flota.bench.ota;

import dev.flota.bench.CliFiles;
import dev.flota.bench.UsageException;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code serve}: the image server (ranges, validators, access log, {@code /metrics}) until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true,
        description = {"Serve the files of DIR over HTTP or HTTPS for OTA updates: HEAD, Range (206, 416), ETag and "
                + "Last-Modified with conditional requests, zero-copy sending, one access-log line per request, "
                + "Prometheus text at /metrics. Runs until interrupted (Ctrl-C).",
                "Exit 0 when stopped, 1 when it cannot listen, 2 on usage errors."})
public final class ServeCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "DIR", description = "the directory to serve")
    Path directory;

    @Option(names = "--port", required = true, paramLabel = "N", description = "the port (0: any free port)")
    int port;

    @Option(names = "--host", paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "the address to listen on (default: ${DEFAULT-VALUE})")
    String host;

    @Option(names = "--tls-cert", paramLabel = "PEM", description = "server certificate chain: serve HTTPS")
    Path tlsCert;

    @Option(names = "--tls-key", paramLabel = "PEM", description = "server private key, PKCS#8")
    Path tlsKey;

    @Option(names = "--client-ca", paramLabel = "PEM", description = "require client certificates from this CA")
    Path clientCa;

    @Option(names = "--quiet", description = "no access log")
    boolean quiet;

    private Thread accessLogPrinter;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ImageServer configured = configure(out);
        RunningImageServer server;
        try {
            server = configured.bindNow();
        } catch (RuntimeException e) {
            spec.commandLine().getErr().println("error: cannot serve on " + host + ":" + port + ": "
                    + rootMessage(e));
            return 1;
        }
        out.println("serving " + directory + " at " + server.baseUrl());
        out.flush();
        CountDownLatch stopped = new CountDownLatch(1);
        server.onDispose().subscribe(null, e -> stopped.countDown(), stopped::countDown);
        try {
            stopped.await();
        } catch (InterruptedException e) {
            // interrupted (Ctrl-C in a shell ends the JVM instead): stop serving
        } finally {
            boolean interrupted = Thread.interrupted();
            server.disposeNow();
            if (accessLogPrinter != null) {
                accessLogPrinter.interrupt();
                try {
                    accessLogPrinter.join(5_000);
                } catch (InterruptedException e) {
                    interrupted = true;
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
        synchronized (out) {
            out.println("stopped");
        }
        return 0;
    }

    private ImageServer configure(PrintWriter out) {
        if (!Files.isDirectory(directory)) {
            throw new UsageException("not a directory: " + directory);
        }
        if (port < 0 || port > 65535) {
            throw new UsageException("--port must be between 0 and 65535: " + port);
        }
        if ((tlsCert == null) != (tlsKey == null)) {
            throw new UsageException("--tls-cert and --tls-key go together");
        }
        if (clientCa != null && tlsCert == null) {
            throw new UsageException("--client-ca needs --tls-cert and --tls-key");
        }
        ImageServer server = ImageServer.create().directory(directory).host(host).port(port);
        if (tlsCert != null) {
            server = server.tls(CliFiles.readText(tlsCert), CliFiles.readText(tlsKey));
        }
        if (clientCa != null) {
            server = server.clientAuth(CliFiles.readText(clientCa));
        }
        if (!quiet) {
            server = server.accessLog(accessLog(out));
        }
        return server.recordRequests(false);
    }

    /** Access-log lines leave the event loop through a bounded queue; a daemon thread prints them. */
    private Consumer<String> accessLog(PrintWriter out) {
        BlockingQueue<String> lines = new ArrayBlockingQueue<>(16_384);
        Thread printer = new Thread(() -> {
            try {
                while (true) {
                    String line = lines.take();
                    synchronized (out) {
                        out.println(line);
                        out.flush();
                    }
                }
            } catch (InterruptedException e) {
                List<String> rest = new ArrayList<>();
                lines.drainTo(rest);
                synchronized (out) {
                    rest.forEach(out::println);
                    out.flush();
                }
            }
        }, "serve-access-log");
        printer.setDaemon(true);
        printer.start();
        accessLogPrinter = printer;
        return lines::offer;
    }

    private static String rootMessage(Throwable e) {
        Throwable root = e;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root.getMessage() != null ? root.getMessage() : root.toString();
    }
}
