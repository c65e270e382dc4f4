package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.encrypted.EncryptedImageHeader;
import dev.flota.ota.fixtures.ServerFaults;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import dev.flota.ota.server.ServedRequest;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import reactor.core.publisher.Flux;

/**
 * One scenario of {@link ResumeMatrixTest}: a device updated through {@link HttpsOta} from a faulty image server, its
 * power cut at one flash operation, rebooted after every run that did not finish and resumed until the new image
 * boots. Checks the boot after every run and returns what the server and the engine counted.
 *
 * @param fault     the network fault's name, for the report
 * @param faults    the server's faults
 * @param images    the images served: the one at the start and, for a changed image, the one replacing it
 * @param partial   ranged requests of {@link #REQUEST} bytes, else whole GETs
 * @param cut       the flash operation the power goes at (counted from the first run's start), or -1
 */
record MatrixScenario(String fault, ServerFaults faults, MatrixImages images, boolean partial, long cut) {

    static final int REQUEST = 4096;
    static final int JOURNAL_INTERVAL = 4096;
    /** Bytes a whole GET may hold between network and flash; a partial download holds one request, as ESP-IDF. */
    static final int BUFFERED = 8192;
    static final int MAX_RUNS = 10;
    /** What a run can receive past its last journal commit, which a cut loses uncounted by the engine. */
    static final long UNCOUNTED_PER_CUT = JOURNAL_INTERVAL + BUFFERED + REQUEST + EncryptedImageHeader.SIZE;

    /** What one scenario showed. */
    record Outcome(MatrixScenario scenario, int runs, int cuts, int failures, long served, long allowance,
            long clientWasted, long engineWasted, String finalVersion, Duration took, boolean journalUsed) {

        Outcome took(Duration value) {
            return new Outcome(scenario, runs, cuts, failures, served, allowance, clientWasted, engineWasted,
                    finalVersion, value, journalUsed);
        }

        long serverWasted() {
            return served - scenario.images().finalImage().length;
        }
    }

    HttpsOta ota(String url, SimpleMeterRegistry registry) {
        HttpsOta ota = HttpsOta.create().url(url).allowHttp(true).resume(true).resumeJournalInterval(JOURNAL_INTERVAL)
                .maxBufferedBytes(partial ? REQUEST : BUFFERED).meterRegistry(registry)
                .timeouts(Duration.ofSeconds(5), faults.toString().contains("stall") ? Duration.ofMillis(300)
                        : Duration.ofSeconds(5), Duration.ofSeconds(30))
                .retries(3, Duration.ofMillis(1), Duration.ofMillis(5));
        if (partial) {
            ota = ota.partialHttpDownload(true).maxHttpRequestSize(REQUEST);
        }
        return images.encrypted() ? ota.decryptionKey(MatrixImages.KEY) : ota;
    }

    /** Runs the scenario on a fresh device, serving {@code dir}'s {@code app.bin}; fails on a brick. */
    Outcome run(Path dir) {
        Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS, TestDevices.app("1.0")),
                false);
        if (cut >= 0) {
            device.flash().faults().cutPowerAfterOperations(cut);
        }
        try (RunningImageServer server = ImageServer.create().directory(dir).host("127.0.0.1").port(0)
                .handler(ServerFaults.inject(faults)).bindNow()) {
            int cuts = 0;
            int failures = 0;
            long clientFetched = 0;
            long forced = 0;
            long carried = 0;
            OtaEvent.Finished finished = null;
            boolean journalUsed = false;
            boolean cutInClear = false;
            int run = 0;
            while (finished == null) {
                assertThat(run++).as("%s: runs", this).isLessThan(MAX_RUNS);
                SimpleMeterRegistry registry = new SimpleMeterRegistry();
                int requestsBefore = server.requests().all().size();
                List<OtaEvent> events = ota(server.url("app.bin"), registry).update(SimulatedTarget.of(device))
                        .onErrorResume(e -> Flux.empty()).collectList().block(Duration.ofSeconds(60));
                clientFetched += meter(registry, "fetched");
                forced += images.replacement() == null ? forcedByRestart(events) : 0;
                if (events.get(events.size() - 1) instanceof OtaEvent.Finished f) {
                    finished = f;
                    journalUsed = events.stream().anyMatch(OtaEvent.Resumed.class::isInstance);
                    cutInClear = device.flash().isPowerLost();
                } else {
                    boolean cutNow = device.flash().isPowerLost();
                    cuts += cutNow ? 1 : 0;
                    failures += cutNow ? 0 : 1;
                    List<ServedRequest> ofRun = server.requests().all().subList(requestsBefore,
                            server.requests().all().size());
                    // one request: 4 KiB ranged, or what the run's last GET carried (a whole one, or a 200 to a range)
                    carried += Math.max(partial ? perCut() : 0, ofRun.stream().filter(MatrixScenario::imageBody)
                            .mapToLong(ServedRequest::bodyBytes).reduce((a, b) -> b).orElse(0));
                }
                BootResult boot = device.reboot();
                checkBoot(device, boot, finished != null);
                if (finished == null && images.finalVersion().equals(boot.appDescription().orElseThrow().version())) {
                    break; // cut after the boot switch: the update is done, its Finished never posted
                }
            }
            List<ServedRequest> bodies = server.requests().all().stream().filter(MatrixScenario::imageBody).toList();
            long served = bodies.stream().mapToLong(ServedRequest::bodyBytes).sum();
            long truncated = bodies.stream().filter(r -> r.bodyBytes() < announced(r)).count();
            long allowance = carried + truncated * (partial ? perCut() : images.served().length) + forced
                    + oldImageBytes(server.requests().all());
            if (finished != null) {
                var journal = ResumeTest.journal(device);
                if (cutInClear && !journal.isEmpty()) {
                    // cut while the journal was erased, after the boot switch: what is left is incomplete (read as
                    // no journal) or names the slot now running, and the next update discards it
                    var slot = journal.get("flota_part");
                    assertThat(slot == null ? null : slot.stringValue()).as("%s: the stale journal's slot", this)
                            .isIn(null, device.lastBoot().booted().orElseThrow().label());
                } else {
                    assertThat(journal).as("%s: the journal is cleared", this).isEmpty();
                }
            }
            return new Outcome(this, run, cuts, failures, served, allowance,
                    clientFetched - images.finalImage().length, finished == null ? -1 : finished.bytesWasted(),
                    device.lastBoot().appDescription().orElseThrow().version(), Duration.ZERO, journalUsed);
        }
    }

    /**
     * What a cut may lose of a partial download: one request, the one in flight. Each range waits until the journal
     * covers every byte before it, so the server has sent at most one range past the journal when the power goes (a
     * cut while a commit is written leaves the previous one, which the waiting range did not pass yet). A
     * pre-encrypted image's first range carries its 512-byte header on top.
     */
    private long perCut() {
        return REQUEST + (images.encrypted() ? EncryptedImageHeader.SIZE : 0);
    }

    /** The old image or exactly the new one boots, never nothing; after the last run, the new one. */
    private void checkBoot(Device device, BootResult boot, boolean last) {
        assertThat(boot.booted()).as("%s: BRICK, nothing boots (%s)", this, boot.skipped()).isPresent();
        String version = boot.appDescription().orElseThrow().version();
        if (last) {
            assertThat(version).as("%s: the new image boots after the last run", this)
                    .isEqualTo(images.finalVersion());
        }
        if (version.equals("1.0")) {
            assertThat(boot.booted().get().label()).isEqualTo("factory");
            return;
        }
        byte[] plaintext = images.plaintext(version);
        assertThat(plaintext).as("%s: boots %s, an image never served", this, version).isNotNull();
        Partition booted = boot.booted().get();
        assertThat(Arrays.equals(device.flash().read(booted.offset(), plaintext.length), plaintext))
                .as("%s: the booted %s is exactly the image", this, version).isTrue();
    }

    /** A response carrying image bytes the engine reads: 200 or 206 to a GET, not a 200 to a range past byte 0. */
    static boolean imageBody(ServedRequest r) {
        return r.method().equals("GET") && (r.status() == 206 || r.status() == 200 && rangeStart(r) <= 0);
    }

    /** The bytes a response announced: its range's length, else the whole file's (both images have one size). */
    private long announced(ServedRequest r) {
        long size = images.served().length;
        if (r.status() == 206 && r.range() != null) {
            String[] ends = r.range().substring("bytes=".length()).split("-", -1);
            long start = Long.parseLong(ends[0]);
            return ends[1].isEmpty() ? size - start : Math.min(size - 1, Long.parseLong(ends[1])) - start + 1;
        }
        return size;
    }

    private static long rangeStart(ServedRequest r) {
        return r.range() == null ? -1 : Long.parseLong(r.range().substring("bytes=".length()).split("-")[0]);
    }

    /** The bytes of the first image that the server sent before it replaced it: all wasted, forced by the change. */
    private long oldImageBytes(List<ServedRequest> all) {
        if (images.replacement() == null) {
            return 0;
        }
        // FaultInjector counts every request it lets through to the file, HEAD and the size probe included
        int changedAfter = images.replaceAfter();
        long old = 0;
        int counted = 0;
        for (ServedRequest r : all) {
            if (r.status() == 200 || r.status() == 206) {
                if (counted++ < changedAfter && imageBody(r)) {
                    old += r.bodyBytes();
                }
            }
        }
        return old;
    }

    /** A resumed run that started again from 0 (a 200 to If-Range) fetches again what the flash held. */
    private static long forcedByRestart(List<OtaEvent> events) {
        long resumedAt = events.stream().filter(OtaEvent.Resumed.class::isInstance)
                .mapToLong(e -> ((OtaEvent.Resumed) e).fetchOffset()).findFirst().orElse(0);
        boolean restarted = events.stream().anyMatch(e -> e instanceof OtaEvent.ResumeDiscarded d
                && d.reason().contains("200 to If-Range"));
        return restarted ? resumedAt : 0;
    }

    private static long meter(SimpleMeterRegistry registry, String kind) {
        var counter = registry.find("flota.ota.bytes").tag("kind", kind).counter();
        return counter == null ? 0 : (long) counter.count();
    }

    @Override
    public String toString() {
        return fault + "/" + images.name() + "/" + (partial ? "partial" : "whole") + "/cut@" + cut;
    }
}
