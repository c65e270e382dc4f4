package dev.flota.bench.scenarios;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.ByteSize;
import dev.flota.bench.Json;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.bench.reference.References;
import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.Chip;
import dev.flota.flash.loader.LinkModel;
import dev.flota.flash.loader.LoaderDevice;
import dev.flota.flash.loader.LoaderServer;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.Directories;
import dev.flota.flash.testing.EsptoolJs;
import dev.flota.flash.testing.EsptoolJsOperation;
import dev.flota.flash.testing.EsptoolJsResult;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.fixtures.NginxServer;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.serial.SerialTarget;
import dev.flota.ota.serial.StubImage;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.Function;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code bench serial}: Flota's serial target and Espressif's esptool-js {@value EsptoolJs#VERSION} write the same
 * ESP32-C3 app (firmware-like content, deflating to about 60%) into the same slot ({@code ota_0}) of a simulated chip
 * over the same emulated UART ({@link LinkModel#baud}: {@code --baud} bits per second each way, 10 bits a byte, the
 * flash's datasheet timing waited out as a real chip does), stub against stub: both upload the stub JSON of the user's
 * esptool-js install. Every measured run gets a fresh device and {@link LoaderServer}, so no run finds a stub or a
 * baud rate left by another. The image is served over HTTPS by nginx when it is installed, else by Flota's own server.
 *
 * <p>What each time includes:
 * <ul>
 * <li><b>flota</b>: from {@code SerialTarget...connect()} (TCP connect, SYNC, detection, stub upload, flash ID,
 * CHANGE_BAUDRATE, reading the partition table and otadata) to otadata naming the new slot: the HTTPS download from the
 * server (streamed while writing), the compressed 256 KiB segments, SPI_FLASH_MD5 of the slot, the image check and the
 * otadata write. Flota's URL-to-new-app time, the end-to-end figure, is this same interval.</li>
 * <li><b>esptool-js</b>: the harness's {@code connect} ({@code ESPLoader.main()}: SYNC, detection, stub upload,
 * CHANGE_BAUDRATE and its reconnect, flash ID) plus {@code writeFlash} of the image file at the slot offset,
 * compressed, with its MD5 check. Not included: starting Node and loading esptool-js. esptool-js does not switch
 * otadata (the new app is written, not selected), which favours it.</li>
 * <li><b>curl</b>: {@code curl --output FILE URL}, process start to exit; the end-to-end reference is curl's time plus
 * esptool-js's in the same run.</li>
 * </ul>
 * Figures are medians of {@code --runs} (min and max beside); the ratios are of medians and above 1 when Flota is
 * faster. The bytes to the chip are counted by the device's server: every byte each side sent over the link in the
 * run (SLIP framed: SYNC, register reads, the stub upload, the deflated image blocks, MD5 and otadata commands).
 */
@Command(name = "serial", mixinStandardHelpOptions = true,
        description = "Flota's serial target against esptool-js writing the same image over the same emulated UART.")
final class SerialBenchCommand implements Callable<Integer> {

    private static final Chip CHIP = Chip.ESP32_C3;
    private static final String VERSION = "2.0.0";

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--image-size", defaultValue = "1MiB", description = "firmware size (default ${DEFAULT-VALUE})")
    String imageSize;

    @Option(names = "--baud", defaultValue = "921600",
            description = "emulated UART rate, bits per second (default ${DEFAULT-VALUE})")
    int baud;

    @Option(names = "--runs", defaultValue = "3", description = "measured runs of each side (default ${DEFAULT-VALUE})")
    int runs;

    @Option(names = "--warmup-runs", defaultValue = "1",
            description = "unmeasured runs of each side first (default ${DEFAULT-VALUE})")
    int warmupRuns;

    @Option(names = "--stub", paramLabel = "FILE",
            description = "the stub JSON both sides upload (default: esptool-js's esp32c3.json from its install)")
    Path stubFile;

    @Mixin
    BenchOutput output;

    private record Run(double flota, double flotaConnect, long flotaBytes, double esptoolJs, double esptoolJsConnect,
            double esptoolJsWrite, double esptoolJsMd5, long esptoolJsBytes, double curl) {

        double curlThenEsptoolJs() {
            return curl + esptoolJs;
        }
    }

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (EsptoolJs.missing().isPresent()) {
            err.println("bench serial needs esptool-js " + EsptoolJs.VERSION + ": " + EsptoolJs.missing().get());
            return 2;
        }
        if (!References.curlAvailable()) {
            err.println("bench serial needs curl for its end-to-end reference");
            return 2;
        }
        Path stubPath = stubFile != null ? stubFile : EsptoolJs.installDirectory()
                .resolve("node_modules/esptool-js/lib/targets/stub_flasher").resolve(CHIP.esptoolName() + ".json");
        StubImage stub = StubImage.read(stubPath);
        Path dir = Files.createTempDirectory("flota-serial");
        try {
            byte[] image = BenchFleet.compressibleApp(VERSION, ByteSize.parseInt(imageSize));
            Path file = Files.write(dir.resolve("app.bin"), image);
            SelfSignedCertificates tls = SelfSignedCertificates.generate();
            Path ca = tls.writeTo(dir.resolve("tls")).ca();
            ObjectNode result;
            if (NginxServer.available()) {
                try (NginxServer.Running server = NginxServer.create().directory(dir)
                        .tls(tls.serverCertPem(), tls.serverKeyPem()).startNow()) {
                    result = measure(out, "nginx", server::url, tls, ca, stub, image, file);
                }
            } else {
                out.println("nginx is not installed: serving from Flota's own server");
                try (RunningImageServer server = ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                        .tls(tls.serverCertPem(), tls.serverKeyPem()).recordRequests(false).bindNow()) {
                    result = measure(out, "flota", server::url, tls, ca, stub, image, file);
                }
            }
            output.write("Flota bench serial", result);
            return 0;
        } finally {
            Directories.deleteTree(dir);
        }
    }

    private ObjectNode measure(PrintWriter out, String serverName, Function<String, String> url,
            SelfSignedCertificates tls, Path ca, StubImage stub, byte[] image, Path file) throws Exception {
        String imageUrl = url.apply("app.bin");
        HttpsOta ota = HttpsOta.create().url(imageUrl).caPem(tls.caPem())
                .timeouts(Duration.ofSeconds(10), Duration.ofSeconds(30), Duration.ofMinutes(10));
        EsptoolJs esptool = EsptoolJs.find().orElseThrow().baud(baud).timeout(Duration.ofMinutes(10));
        out.printf(Locale.ROOT, "bench serial: %d-byte %s app from %s over HTTPS onto a simulated %s at %d baud, "
                + "stub against stub, median of %d runs%n", image.length, VERSION, serverName, CHIP.displayName(),
                baud, runs);
        Path downloaded = file.resolveSibling("downloaded.bin");
        List<Run> measured = new ArrayList<>();
        for (int i = 0; i < Math.max(0, warmupRuns) + Math.max(1, runs); i++) {
            Measured flota = flota(ota, stub, image);
            Measured js = esptoolJs(esptool, file, image.length);
            double curl = References.curlToFile(imageUrl, ca, downloaded);
            if (Files.size(downloaded) != image.length) {
                throw new IllegalStateException("curl downloaded " + Files.size(downloaded) + " bytes, not "
                        + image.length);
            }
            EsptoolJsResult.Step connect = js.esptoolJs().step("connect");
            EsptoolJsResult.Step write = js.esptoolJs().step("writeFlash");
            if (i >= warmupRuns) {
                measured.add(new Run(flota.seconds(), flota.connectSeconds(), flota.bytesToChip(),
                        (connect.millis() + write.millis()) / 1e3, connect.millis() / 1e3, write.millis() / 1e3,
                        write.number("md5Ms") / 1e3, js.bytesToChip(), curl));
            }
        }

        double flota = median(measured, Run::flota);
        double esptoolJs = median(measured, Run::esptoolJs);
        double endToEnd = median(measured, Run::curlThenEsptoolJs);
        ObjectNode result = Json.object().put("scenario", "serial").put("date", LocalDate.now().toString())
                .put("server", serverName).put("chip", CHIP.esptoolName()).put("baud", baud)
                .put("imageSize", image.length).put("runs", measured.size())
                .put("flotaBytesToChip", measured.get(0).flotaBytes())
                .put("esptoolJsBytesToChip", measured.get(0).esptoolJsBytes());
        figures(result.putObject("flota"), measured, Run::flota).put("connectSeconds",
                round(median(measured, Run::flotaConnect)));
        figures(result.putObject("esptoolJs"), measured, Run::esptoolJs)
                .put("connectSeconds", round(median(measured, Run::esptoolJsConnect)))
                .put("writeFlashSeconds", round(median(measured, Run::esptoolJsWrite)))
                .put("md5Seconds", round(median(measured, Run::esptoolJsMd5)));
        figures(result.putObject("curl"), measured, Run::curl);
        figures(result.putObject("curlThenEsptoolJs"), measured, Run::curlThenEsptoolJs);
        result.put("ratioToEsptoolJs", ratio(esptoolJs / flota))
                .put("ratioToCurlThenEsptoolJs", ratio(endToEnd / flota));
        ArrayNode all = result.putArray("measurements");
        for (Run r : measured) {
            all.addObject().put("flotaSeconds", round(r.flota())).put("esptoolJsSeconds", round(r.esptoolJs()))
                    .put("curlSeconds", round(r.curl()));
        }

        out.printf("%-36s %10s %10s %10s%n", "time (s)", "median", "min", "max");
        row(out, "flota (connect to otadata switched)", measured, Run::flota);
        row(out, "esptool-js (connect + writeFlash)", measured, Run::esptoolJs);
        row(out, "curl to a file", measured, Run::curl);
        row(out, "curl, then esptool-js", measured, Run::curlThenEsptoolJs);
        out.printf(Locale.ROOT, "bytes sent to the chip over the link: flota %d, esptool-js %d%n",
                measured.get(0).flotaBytes(), measured.get(0).esptoolJsBytes());
        out.printf(Locale.ROOT, "ratio esptool-js/flota %.2fx, curl-then-esptool-js/flota %.2fx%n",
                esptoolJs / flota, endToEnd / flota);
        out.flush();
        return result;
    }

    /** One side's run: its time, the part spent connecting (Flota), and the bytes it sent over the link. */
    private record Measured(double seconds, double connectSeconds, long bytesToChip, EsptoolJsResult esptoolJs) {
    }

    /** One Flota update on a fresh device: seconds from connect to otadata switched, and of the connect. */
    private Measured flota(HttpsOta ota, StubImage stub, byte[] image) {
        Device device = BenchFleet.memoryDevice(image.length, true);
        Partition slot = device.partitionTable().find("ota_0").orElseThrow();
        double total;
        double connect;
        long bytes;
        try (LoaderServer served = LoaderServer.start(LoaderDevice.of(device), "127.0.0.1", 0,
                LinkModel.baud(baud))) {
            long t0 = System.nanoTime();
            try (SerialTarget target = SerialTarget.port("socket://127.0.0.1:" + served.port()).baud(baud).stub(stub)
                    .rollback(true).connect()) {
                connect = (System.nanoTime() - t0) / 1e9;
                ota.update(target).blockLast();
                total = (System.nanoTime() - t0) / 1e9;
                if (!target.bootPartition().filter(slot::equals).isPresent()) {
                    throw new IllegalStateException("Flota's update left otadata naming "
                            + target.bootPartition().map(Partition::label).orElse("no slot"));
                }
            }
            bytes = served.bytesFromHost();
        }
        BootResult boot = device.reboot();
        String version = boot.appDescription().map(a -> a.version()).orElse("none");
        if (!VERSION.equals(version)) {
            throw new IllegalStateException("after Flota's update the device booted " + version);
        }
        return new Measured(total, connect, bytes, null);
    }

    /** One esptool-js connect and compressed writeFlash on a fresh device, checked in the device's flash. */
    private Measured esptoolJs(EsptoolJs esptool, Path file, int length) throws Exception {
        Device device = BenchFleet.memoryDevice(length, true);
        Partition slot = device.partitionTable().find("ota_0").orElseThrow();
        EsptoolJsResult result;
        long bytes;
        try (LoaderServer served = LoaderServer.start(LoaderDevice.of(device), "127.0.0.1", 0,
                LinkModel.baud(baud))) {
            result = esptool.run("127.0.0.1", served.port(), List.of(EsptoolJsOperation.connect(),
                    EsptoolJsOperation.writeFlash(file, slot.offset(), true)));
            bytes = served.bytesFromHost();
        }
        if (!result.ok()) {
            throw new IllegalStateException("esptool-js failed: " + result.failure() + "\n" + result.log());
        }
        if (!Arrays.equals(device.flash().read(slot.offset(), length), Files.readAllBytes(file))) {
            throw new IllegalStateException("esptool-js reported success but the slot does not hold the image");
        }
        return new Measured(Double.NaN, Double.NaN, bytes, result);
    }

    private static ObjectNode figures(ObjectNode node, List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return node.put("seconds", round(v[v.length / 2])).put("minSeconds", round(v[0]))
                .put("maxSeconds", round(v[v.length - 1]));
    }

    private static void row(PrintWriter out, String name, List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        out.printf(Locale.ROOT, "%-36s %10.3f %10.3f %10.3f%n", name, v[v.length / 2], v[0], v[v.length - 1]);
    }

    private static double median(List<Run> runs, java.util.function.ToDoubleFunction<Run> f) {
        double[] v = runs.stream().mapToDouble(f).sorted().toArray();
        return v[v.length / 2];
    }

    private static double round(double seconds) {
        return Math.round(seconds * 1000) / 1000.0;
    }

    private static double ratio(double value) {
        return Math.round(value * 100) / 100.0;
    }
}
