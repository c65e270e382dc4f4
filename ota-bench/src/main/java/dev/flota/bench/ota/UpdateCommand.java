package dev.flota.bench.ota;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.FormatJson;
import dev.flota.bench.Json;
import dev.flota.bench.KeyFiles;
import dev.flota.bench.MeterSummary;
import dev.flota.bench.UsageException;
import dev.flota.bench.host.flash.FlashFiles;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.image.Chip;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.secureboot.SecureBootKey;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.OtaException;
import dev.flota.ota.serial.SerialConnector;
import dev.flota.ota.serial.SerialTarget;
import dev.flota.ota.serial.StubImage;
import dev.flota.ota.sim.SimulatedTarget;
import dev.flota.ota.target.OtaTarget;
import dev.flota.ota.target.TargetException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicReference;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code update}: an OTA update from an HTTPS server through the reactive pipeline, of a simulated device (a flash
 * image) or of a real chip through its serial ROM loader ({@code --port}).
 */
@Command(name = "update", mixinStandardHelpOptions = true,
        description = {"Update a flash image made by 'flash create' (--flash), or a chip through its serial ROM "
                + "loader (--port: a serial device or socket://HOST:PORT), over HTTPS, as esp_https_ota would: one "
                + "line per event (JSON lines with --json-events).",
                "Exit 0 only when the boot partition was switched (with --port: the MD5 verified and the chip's "
                        + "otadata names the new slot); 1 with the ESP error name otherwise; 2 on usage errors."})
public final class UpdateCommand implements Callable<Integer> {

    static final class Target {
        @Option(names = "--flash", required = true, paramLabel = "FILE", description = "the device's flash image")
        Path flash;

        @Option(names = "--port", required = true, paramLabel = "PORT",
                description = "a chip in download mode: a serial device (/dev/ttyUSB0, COM3), socket://HOST:PORT or "
                        + "rfc2217://HOST:PORT")
        String port;
    }

    static final class DecryptKey {
        @Option(names = "--decrypt-key", paramLabel = "PEM", description = "device key for pre-encrypted images")
        Path pem;

        @Option(names = "--hmac-key", paramLabel = "FILE", description = "device HMAC key (ECC pre-encrypted images)")
        Path hmac;
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Target target;

    @Option(names = "--stub", paramLabel = "FILE", description = "with --port: the flasher stub JSON esptool or "
            + "esptool-js ships for the chip (faster; without it the ROM loader does the job)")
    Path stub;

    @Option(names = "--baud", paramLabel = "N", defaultValue = "115200",
            description = "with --port: the baud rate after connecting (default ${DEFAULT-VALUE})")
    int baud;

    @Option(names = "--url", required = true, paramLabel = "URL", description = "the image URL")
    String url;

    @Mixin
    TlsOptions tls;

    @Option(names = "--allow-http", description = "allow a plain http:// URL, and redirects from https to http")
    boolean allowHttp;

    @Option(names = "--proxy", paramLabel = "URL", description = "go through this HTTP proxy, "
            + "http://[USER:PASSWORD@]HOST:PORT, with CONNECT (default: the JVM's https.proxyHost/http.proxyHost)")
    String proxy;

    @Option(names = "--user", paramLabel = "USER:PASSWORD", description = "credentials for a 401, sent as Digest or "
            + "Basic as the server asks (or put them in the URL: https://USER:PASSWORD@HOST/...)")
    String user;

    @ArgGroup(exclusive = true)
    DecryptKey decrypt;

    @Option(names = "--verify-key", paramLabel = "PEM", description = "require a Secure Boot V2 signature by this key")
    List<Path> verifyKeys = new ArrayList<>();

    @Option(names = "--partial-size", paramLabel = "N", description = "partial download in requests of N bytes")
    String partialSize;

    @Option(names = "--bulk-erase", description = "erase the image's sectors before writing (bulk_flash_erase)")
    boolean bulkErase;

    @Option(names = "--resume", description = "ota_resumption: keep a journal in the device's NVS partition and "
            + "continue a cut update from it (run the same command again after a kill or a power cut)")
    boolean resume;

    @Option(names = "--resume-interval", paramLabel = "N", defaultValue = "16K",
            description = "with --resume: at most one journal commit per N bytes written (default ${DEFAULT-VALUE})")
    String resumeInterval;

    @Option(names = "--chip", paramLabel = "NAME", description = "override the device's chip for this update")
    String chip;

    @Option(names = "--chip-rev", paramLabel = "X.Y", description = "override the device's chip revision")
    String chipRevision;

    @Option(names = "--deadline", paramLabel = "DURATION", defaultValue = "10m",
            description = "give up after this long (e.g. 30s, 2m; default ${DEFAULT-VALUE})")
    String deadline;

    @Option(names = "--json-events", description = "print events as JSON lines")
    boolean jsonEvents;

    @Option(names = "--metrics", description = "print a Micrometer summary at the end")
    boolean metrics;

    @Override
    public Integer call() {
        if (target.port != null) {
            if (chip != null || chipRevision != null) {
                throw new UsageException("--chip and --chip-rev go with --flash: a chip says what it is");
            }
            try (SerialTarget chipTarget = connector().connect()) {
                return update(chipTarget);
            } catch (TargetException e) {
                spec.commandLine().getErr().println("error: " + e.getMessage());
                return 1;
            }
        }
        if (stub != null || baud != 115200) {
            throw new UsageException("--stub and --baud go with --port");
        }
        try (FlashFiles.Opened opened = FlashFiles.open(target.flash)) {
            try {
                return update(SimulatedTarget.of(Device.attach(opened.flash(), properties(opened.properties()))));
            } finally {
                opened.save(opened.properties());
            }
        }
    }

    private SerialConnector connector() {
        SerialConnector connector = SerialTarget.port(target.port).baud(baud);
        if (stub == null) {
            return connector;
        }
        try {
            return connector.stub(StubImage.read(stub));
        } catch (IOException e) {
            throw new UsageException("--stub: " + e.getMessage(), e);
        }
    }

    /**
     * Runs the update, one line per event; 0 only when the device itself, read back, names the partition the update
     * switched to (with --port: the chip's otadata).
     */
    private int update(OtaTarget device) {
        HttpsOta ota = configure();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        UpdateProgress progress = new UpdateProgress(err, System.console() != null && !jsonEvents);
        AtomicReference<String> switched = new AtomicReference<>();
        try {
            ota.meterRegistry(registry).update(device).doOnNext(event -> {
                if (event instanceof OtaEvent.BootPartitionUpdated updated) {
                    switched.set(updated.label());
                }
                if (event instanceof OtaEvent.FlashWritten written && !jsonEvents) {
                    progress.show(written.cumulativeBytes());
                    return;
                }
                print(out, event);
            }).blockLast();
            progress.done();
        } catch (OtaException e) {
            progress.done();
            err.println("error: " + e.getMessage());
            return 1;
        } finally {
            if (metrics) {
                printMetrics(out, registry);
            }
        }
        if (switched.get() == null) {
            return 1;
        }
        String boots = device.bootPartition().map(Partition::label).orElse("none");
        if (!boots.equals(switched.get())) {
            err.println("error: ESP_ERR_OTA_SELECT_INFO_INVALID: the boot partition was switched to '"
                    + switched.get() + "' but the device's otadata names '" + boots + "'");
            return 1;
        }
        return 0;
    }

    private HttpsOta configure() {
        HttpsOta ota = tls.apply(HttpsOta.create().url(url), spec.commandLine().getErr()).allowHttp(allowHttp)
                .bulkFlashErase(bulkErase).timeouts(Duration.ofSeconds(10), Duration.ofSeconds(10), duration(deadline));
        if (proxy != null) {
            try {
                ota = ota.proxy(proxy);
            } catch (IllegalArgumentException e) {
                throw new UsageException("--proxy: " + e.getMessage(), e);
            }
        }
        if (user != null) {
            int colon = user.indexOf(':');
            if (colon < 1) {
                throw new UsageException("--user takes USER:PASSWORD");
            }
            ota = ota.credentials(user.substring(0, colon), user.substring(colon + 1), 10);
        }
        if (resume) {
            ota = ota.resume(true).resumeJournalInterval(ByteSize.parseInt(resumeInterval));
        }
        if (partialSize != null) {
            ota = ota.partialHttpDownload(true).maxHttpRequestSize(ByteSize.parseInt(partialSize));
        }
        if (decrypt != null) {
            ota = ota.decryptionKey(KeyFiles.decryptionKey(decrypt.pem, decrypt.hmac, "decryption key"));
        }
        if (!verifyKeys.isEmpty()) {
            List<SecureBootKey> keys = verifyKeys.stream().map(KeyFiles::verificationKey).toList();
            ota = ota.verifyKeys(keys);
        }
        return ota;
    }

    private DeviceProperties properties(DeviceProperties stored) {
        DeviceProperties properties = stored;
        if (chip != null) {
            Chip chosen = Chip.byName(chip).orElseThrow(() -> new UsageException("unknown chip '" + chip + "'"));
            properties = properties.withChip(chosen);
        }
        if (chipRevision != null) {
            try {
                properties = properties.withChipRevision(DeviceProperties.parseRevision(chipRevision));
            } catch (IllegalArgumentException e) {
                throw new UsageException("--chip-rev: " + e.getMessage(), e);
            }
        }
        return properties;
    }

    private void print(PrintWriter out, OtaEvent event) {
        if (jsonEvents) {
            ObjectNode line = Json.object().put("event", event.getClass().getSimpleName());
            if (event instanceof OtaEvent.Aborted aborted) {
                line.put("error", aborted.cause().error().name()).put("espName", aborted.cause().error().espName())
                        .put("message", aborted.cause().getMessage());
            } else if (event instanceof OtaEvent.ImageDescriptionRead read) {
                line.set("appDescription", read.app().map(FormatJson::appDescription).orElse(null));
                line.put("bootloaderVersion", read.bootloader().map(b -> b.version()).orElse(null));
            } else {
                line.setAll((ObjectNode) Json.MAPPER.valueToTree(event));
            }
            out.println(line.toString());
        } else {
            out.println("event: " + event);
        }
        out.flush();
    }

    private static void printMetrics(PrintWriter out, SimpleMeterRegistry registry) {
        out.println("metrics:");
        MeterSummary.print(out, registry);
    }

    static Duration duration(String text) {
        String t = text.strip().toLowerCase(Locale.ROOT);
        try {
            if (t.startsWith("pt")) {
                return Duration.parse(t.toUpperCase(Locale.ROOT));
            }
            if (t.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(t.substring(0, t.length() - 2)));
            }
            long value = Long.parseLong(t.substring(0, t.length() - 1));
            return switch (t.charAt(t.length() - 1)) {
                case 's' -> Duration.ofSeconds(value);
                case 'm' -> Duration.ofMinutes(value);
                case 'h' -> Duration.ofHours(value);
                default -> throw new UsageException("not a duration: " + text + " (e.g. 30s, 2m)");
            };
        } catch (NumberFormatException | DateTimeParseException | StringIndexOutOfBoundsException e) {
            throw new UsageException("not a duration: " + text + " (e.g. 30s, 2m)", e);
        }
    }
}
