package dev.flota.bench.profile;

import java.util.List;

/**
 * Which {@link Stage} a sampled stack belongs to, from its frames ({@code package.Class.method}, innermost first). This
 * is the mapping the profile table depends on, kept in one place so it can be re-run unchanged after optimisation:
 * <ol>
 *   <li>A stack with a frame of the device's image check ({@code esp_ota_end} and the early read-back:
 *       {@code dev.flota.flash.ota.ReadBackVerifier}, {@code OtaHandle.end/verify/verifyWritten}) is
 *       {@link Stage#READ_BACK}, wherever that frame is: everything it calls (flash reads, SHA-256) is the check.
 *       Likewise a frame in {@code dev.flota.flash.nvs} (the resume journal's commits) makes the stack
 *       {@link Stage#BOOKKEEPING}.</li>
 *   <li>Otherwise the innermost frame that names a stage decides ({@link #MARKERS}): the pipeline runs synchronously
 *       inside the event loop's read, so the frames outside a stage (TLS unwrap, the HTTP codec, Reactor operators)
 *       are its callers, not its cost. JDK and Netty buffer frames name no stage and count for their caller: AES-GCM
 *       under {@code sun.security.ssl} is TLS, under {@code dev.flota.ota.encrypted} it is the image's decryption.</li>
 *   <li>A stack with no marked frame is {@link Stage#OTHER}.</li>
 * </ol>
 */
public final class StageMap {

    private record Marker(String prefix, Stage stage) {
    }

    private static final List<Marker> ENCLOSING = List.of(
            new Marker("dev.flota.flash.ota.ReadBackVerifier.", Stage.READ_BACK),
            new Marker("dev.flota.flash.ota.OtaHandle.end", Stage.READ_BACK),
            new Marker("dev.flota.flash.ota.OtaHandle.verify", Stage.READ_BACK),
            new Marker("dev.flota.flash.nvs.", Stage.BOOKKEEPING));

    /** Checked at each frame from the innermost out; the first prefix a frame starts with names the stage. */
    static final List<String[]> MARKERS = List.of(
            // copies: the fetcher's copy out of Netty's buffer, copies into byte[] for the flash
            new String[] {"dev.flota.ota.http.ImageFetcher.copy", "COPIES"},
            new String[] {"dev.flota.flash.ota.OtaHandle.program", "COPIES"},
            new String[] {"dev.flota.ota.sim.SimulatedSession.writeWithOffset", "COPIES"},
            new String[] {"dev.flota.ota.pipeline.ChunkArrays", "COPIES"},
            // flash: the sink, the simulated target and device, the NOR flash and its storage
            new String[] {"dev.flota.flash.nor.", "FLASH_WRITE"},
            new String[] {"dev.flota.flash.ota.", "FLASH_WRITE"},
            new String[] {"dev.flota.flash.device.", "FLASH_WRITE"},
            new String[] {"dev.flota.ota.sim.", "FLASH_WRITE"},
            new String[] {"dev.flota.ota.pipeline.FlashSink", "FLASH_WRITE"},
            new String[] {"dev.flota.ota.pipeline.FlashTimingDelays", "FLASH_WRITE"},
            new String[] {"dev.flota.ota.encrypted.", "DECRYPT"},
            new String[] {"dev.flota.ota.pipeline.ImageInspection", "INSPECTION"},
            new String[] {"dev.flota.ota.pipeline.TargetChecks", "INSPECTION"},
            new String[] {"dev.flota.ota.pipeline.ImagePolicy", "INSPECTION"},
            new String[] {"dev.flota.ota.pipeline.ImageCandidate", "INSPECTION"},
            new String[] {"dev.flota.flash.image.", "INSPECTION"},
            new String[] {"dev.flota.ota.", "BOOKKEEPING"},
            new String[] {"io.micrometer.", "BOOKKEEPING"},
            new String[] {"sun.security.ssl.", "TLS"},
            new String[] {"io.netty.handler.ssl.", "TLS"},
            new String[] {"io.netty.internal.tcnative.", "TLS"},
            new String[] {"javax.net.ssl.", "TLS"},
            new String[] {"io.netty.handler.codec.", "HTTP_SOCKET"},
            new String[] {"reactor.netty.", "HTTP_SOCKET"},
            new String[] {"io.netty.channel.", "HTTP_SOCKET"},
            new String[] {"io.netty.util.concurrent.", "HTTP_SOCKET"},
            new String[] {"sun.nio.ch.", "HTTP_SOCKET"},
            new String[] {"reactor.core.", "REACTOR"},
            new String[] {"dev.flota.bench.", "BENCH"});

    /** Native methods in which a thread waits rather than works: their samples are no CPU. */
    private static final List<String> IDLE = List.of("io.netty.channel.epoll.Native.epollWait",
            "io.netty.channel.epoll.Native.epollBusyWait", "sun.nio.ch.EPoll.wait", "jdk.internal.misc.Unsafe.park",
            "java.lang.Object.wait", "java.lang.Thread.sleep", "java.lang.Thread.yield",
            "java.lang.ProcessHandleImpl.", "java.lang.ProcessImpl.", "java.io.FileInputStream.read",
            "sun.nio.ch.Net.accept", "sun.nio.ch.Net.poll", "java.lang.ref.Reference.",
            "sun.nio.ch.SocketDispatcher.read0", "jdk.jfr.");

    private StageMap() {
    }

    /** The stage of a stack, frames innermost first. */
    public static Stage classify(List<String> frames) {
        for (String frame : frames) {
            for (Marker m : ENCLOSING) {
                if (frame.startsWith(m.prefix())) {
                    return m.stage();
                }
            }
        }
        for (String frame : frames) {
            for (String[] marker : MARKERS) {
                if (frame.startsWith(marker[0])) {
                    return Stage.valueOf(marker[1]);
                }
            }
        }
        return Stage.OTHER;
    }

    /** Whether a native sample whose innermost frame is {@code frame} is a thread waiting (not CPU). */
    public static boolean idle(String frame) {
        return IDLE.stream().anyMatch(frame::startsWith);
    }
}
