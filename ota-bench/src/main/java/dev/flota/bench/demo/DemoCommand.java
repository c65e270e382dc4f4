package dev.flota.bench.demo;

import dev.flota.bench.ByteSize;
import dev.flota.bench.MeterSummary;
import dev.flota.bench.fleet.BenchFleet;
import dev.flota.bench.fleet.Percentiles;
import dev.flota.flash.device.Device;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.nor.CompactStorage;
import dev.flota.flash.nor.SectorPool;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.secureboot.ImageSigner;
import dev.flota.flash.secureboot.SecureBootSigner;
import dev.flota.flash.testing.Directories;
import dev.flota.flash.testing.SyntheticApp;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptedImages;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import dev.flota.ota.fixtures.SelfSignedCertificates;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * {@code demo}: the whole story in one command. Generates a signing key, a device key and a TLS CA; builds a real ESP
 * app image, signs it and pre-encrypts it; serves it over HTTPS on 127.0.0.1; updates a fleet of simulated devices
 * concurrently with partial download; reboots them into the new firmware and confirms it; prints a summary and the
 * Micrometer meters. Exit 0 only when every device runs the new firmware.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Build, sign and pre-encrypt a firmware, serve it over HTTPS and update a fleet of simulated "
                + "devices with it. No arguments needed.")
public final class DemoCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--devices", defaultValue = "100", description = "fleet size (default ${DEFAULT-VALUE})")
    int devices;

    @Option(names = "--image-size", defaultValue = "512K", description = "firmware size (default ${DEFAULT-VALUE})")
    String imageSize;

    @Option(names = "--request-size", defaultValue = "64K",
            description = "partial download request size (default ${DEFAULT-VALUE})")
    String requestSize;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        long started = System.nanoTime();
        Path dir = Files.createTempDirectory("flota-demo");
        try {
            return run(out, dir, started);
        } finally {
            Directories.deleteTree(dir);
        }
    }

    private int run(PrintWriter out, Path dir, long started) throws Exception {
        out.println("Flota demo: " + devices + " simulated ESP32-C3 devices, one signed and pre-encrypted update "
                + "over HTTPS");
        SecureBootSigner signer = SecureBootSigner.from(ecKey("secp256r1"));
        byte[] hmacKey = new byte[32];
        new SecureRandom().nextBytes(hmacKey);
        EccDecryptionKey deviceKey = DecryptionKey.fromHmacKey(hmacKey);
        SelfSignedCertificates certificates = SelfSignedCertificates.generate();
        out.println("  keys: Secure Boot V2 ECDSA P-256 signing key " + signer.publicKey().digestHex().substring(0, 16)
                + "..., device ECC key from an HMAC key, TLS CA for 127.0.0.1");

        byte[] firmware = app("2.0.0", ByteSize.parseInt(imageSize));
        byte[] signed = ImageSigner.sign(firmware, List.of(signer));
        byte[] encrypted = ImageEncryptor.encrypt(signed, EncryptionKey.forDevice(deviceKey));
        Files.write(dir.resolve("firmware.enc.bin"), encrypted);
        out.printf("  firmware: ESP app image v2.0.0, %d bytes; signed: %d bytes; pre-encrypted: %d bytes%n",
                firmware.length, signed.length, encrypted.length);
        EncryptedImages.warmUp();

        try (RunningImageServer server = ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                .tls(certificates.serverCertPem(), certificates.serverKeyPem()).bindNow()) {
            String url = server.url("firmware.enc.bin");
            out.println("  serving " + url);
            List<Device> fleet = fleet(signer);
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            HttpsOta ota = HttpsOta.create().url(url).caPem(certificates.caPem()).partialHttpDownload(true)
                    .maxHttpRequestSize(ByteSize.parseInt(requestSize)).decryptionKey(deviceKey)
                    .verifyKeys(List.of(signer.publicKey())).meterRegistry(registry);
            Result result = updateAll(out, ota, fleet, signed.length);
            int running = rebootAll(fleet);
            double seconds = (System.nanoTime() - started) / 1e9;
            printSummary(out, result, running, encrypted.length, seconds, registry);
            return running == devices && result.failed.get() == 0 ? 0 : 1;
        }
    }

    private List<Device> fleet(SecureBootSigner signer) {
        CompactStorage template = BenchFleet.template(4 << 20, BenchFleet.table(0x100000, 0x180000, 0x160000),
                ImageSigner.sign(app("1.0.0", 64 * 1024), List.of(signer)), new SectorPool());
        List<Device> fleet = new ArrayList<>();
        for (int i = 0; i < devices; i++) {
            fleet.add(BenchFleet.device(template, false));
        }
        return fleet;
    }

    /** Per-fleet counters and the update times. */
    private record Result(AtomicInteger succeeded, AtomicInteger failed, AtomicLong wasted, List<Long> millis,
            long elapsedNanos, AtomicLong peakBuffered) {
    }

    private Result updateAll(PrintWriter out, HttpsOta ota, List<Device> fleet, long imageBytes) {
        AtomicInteger succeeded = new AtomicInteger();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong wasted = new AtomicLong();
        AtomicLong written = new AtomicLong();
        AtomicLong peakBuffered = new AtomicLong();
        List<Long> millis = java.util.Collections.synchronizedList(new ArrayList<>());
        Progress progress = new Progress(out, fleet.size() * imageBytes);
        long start = System.nanoTime();
        Flux.fromIterable(fleet).flatMap(device -> {
            long t0 = System.nanoTime();
            long[] last = {0};
            return ota.update(SimulatedTarget.of(device)).doOnNext(event -> {
                if (event instanceof OtaEvent.FlashWritten w) {
                    progress.add(w.cumulativeBytes() - last[0], written);
                    last[0] = w.cumulativeBytes();
                } else if (event instanceof OtaEvent.Finished f) {
                    wasted.addAndGet(f.bytesWasted());
                    peakBuffered.accumulateAndGet(f.peakBufferedBytes(), Math::max);
                    succeeded.incrementAndGet();
                    millis.add((System.nanoTime() - t0) / 1_000_000);
                }
            }).then().onErrorResume(e -> {
                failed.incrementAndGet();
                out.println("  update failed: " + e.getMessage());
                return Mono.empty();
            });
        }, fleet.size()).blockLast(Duration.ofMinutes(5));
        progress.done(written);
        return new Result(succeeded, failed, wasted, millis, System.nanoTime() - start, peakBuffered);
    }

    private static int rebootAll(List<Device> fleet) {
        int running = 0;
        for (Device device : fleet) {
            device.reboot();
            if (device.runningApp().map(AppDescription::version).orElse("").equals("2.0.0")) {
                OtaOperations.on(device).markAppValidCancelRollback();
                running++;
            }
        }
        return running;
    }

    private void printSummary(PrintWriter out, Result result, int running, long encryptedBytes, double seconds,
            SimpleMeterRegistry registry) {
        List<Long> sorted = new ArrayList<>(result.millis);
        sorted.sort(null);
        double updateSeconds = result.elapsedNanos / 1e9;
        out.println();
        out.println("Summary");
        out.printf("  devices updated:    %d of %d (failed: %d)%n", result.succeeded.get(), devices, result.failed.get());
        out.printf("  booting v2.0.0:     %d (rebooted, self-test passed, rollback cancelled)%n", running);
        out.printf("  downloaded:         %.1f MiB in %.2f s = %.1f MiB/s%n",
                result.succeeded.get() * (double) encryptedBytes / (1 << 20), updateSeconds,
                result.succeeded.get() * (double) encryptedBytes / (1 << 20) / updateSeconds);
        out.printf("  update time:        p50 %d ms, p99 %d ms%n", Percentiles.nearestRank(sorted, 50),
                Percentiles.nearestRank(sorted, 99));
        out.printf("  bytes wasted:       %d%n", result.wasted.get());
        out.printf("  buffered/update:    at most %d bytes between network and flash%n", result.peakBuffered.get());
        out.printf("  total demo time:    %.1f s%n", seconds);
        out.println("Micrometer");
        MeterSummary.print(out, registry);
        out.println(running == devices ? "OK: every device runs the new firmware" : "FAILED: not every device "
                + "runs the new firmware");
    }

    /** The demo's firmware: a real ESP32-C3 app of about {@code size} bytes, its code in one segment. */
    private static byte[] app(String version, int size) {
        return SyntheticApp.of(version).project("flota-demo").sized(size);
    }

    private static java.security.PrivateKey ecKey(String curve) throws Exception {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec(curve));
        return generator.generateKeyPair().getPrivate();
    }

    /** A bar on a terminal, a line per 10% otherwise. */
    private static final class Progress {
        private final PrintWriter out;
        private final long total;
        private final boolean terminal = System.console() != null;
        private int shownTenths = -1;

        Progress(PrintWriter out, long total) {
            this.out = out;
            this.total = total;
        }

        synchronized void add(long bytes, AtomicLong written) {
            long now = written.addAndGet(bytes);
            int tenths = (int) (now * 40 / Math.max(1, total));
            if (terminal) {
                if (tenths != shownTenths) {
                    out.print("\r  updating [" + "#".repeat(tenths) + " ".repeat(Math.max(0, 40 - tenths)) + "] "
                            + now * 100 / Math.max(1, total) + "%");
                    out.flush();
                }
            } else if (tenths / 4 != shownTenths / 4) {
                out.println("  updating: " + now * 100 / Math.max(1, total) + "% written");
                out.flush();
            }
            shownTenths = tenths;
        }

        void done(AtomicLong written) {
            if (terminal) {
                out.println();
            }
        }
    }
}
