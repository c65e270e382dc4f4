package dev.flota.bench.profile;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.Recording;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedThread;
import jdk.jfr.consumer.RecordingFile;

/**
 * CPU time by {@link Stage} from a JFR recording. JFR samples threads at a fixed period (a stack of the threads running
 * Java code, and of one thread in native code, per period); samples tell where a thread was, not how much CPU it used,
 * so each thread's measured CPU time ({@code ThreadMXBean}) is split over its samples' stages, and whatever the
 * process used beyond its Java threads (GC, JIT compiler, VM threads, threads that ended) is {@link Stage#UNSAMPLED}.
 * Native samples in a waiting method ({@link StageMap#idle}) are dropped. JFR takes one native sample per round
 * among all threads in native code, so a native sample (OpenSSL's {@code SSL_read}, a socket read) weighs as many
 * rounds as the most-sampled native thread (one always in native code, such as an idle event loop) needed per sample.
 * Threads with CPU time but no sample, like the CPU of threads that ended, count as unsampled. Compare the TLS and
 * HTTP rows with a raw download's CPU measured in the same run.
 */
public final class SampleProfile {

    /** The sampling period asked of JFR for both Java and native samples. */
    public static final Duration PERIOD = Duration.ofMillis(10);

    /** One sampled stack: the thread's id, its frames innermost first, and whether it was in native code. */
    public record Sample(long threadId, List<String> frames, boolean inNative) {
    }

    private final EnumMap<Stage, Double> seconds;
    private final int samples;

    private SampleProfile(EnumMap<Stage, Double> seconds, int samples) {
        this.seconds = seconds;
        this.samples = samples;
    }

    /** A recording of Java and native execution samples with stacks, not yet started. */
    public static Recording recording() {
        Recording recording = new Recording();
        recording.enable("jdk.ExecutionSample").withPeriod(PERIOD).withStackTrace();
        recording.enable("jdk.NativeMethodSample").withPeriod(PERIOD).withStackTrace();
        recording.enable("jdk.GarbageCollection");
        recording.enable("jdk.Compilation").withThreshold(Duration.ZERO);
        recording.setToDisk(true);
        return recording;
    }

    /** The execution samples of a recording file. */
    public static List<Sample> read(Path jfr) throws IOException {
        List<Sample> samples = new ArrayList<>();
        for (RecordedEvent event : RecordingFile.readAllEvents(jfr)) {
            String type = event.getEventType().getName();
            boolean inNative = type.equals("jdk.NativeMethodSample");
            if (!inNative && !type.equals("jdk.ExecutionSample") || event.getStackTrace() == null) {
                continue;
            }
            RecordedThread thread = event.getThread("sampledThread");
            List<String> frames = new ArrayList<>();
            for (RecordedFrame frame : event.getStackTrace().getFrames()) {
                frames.add(frame.getMethod().getType().getName() + "." + frame.getMethod().getName());
            }
            samples.add(new Sample(thread == null ? -1 : thread.getJavaThreadId(), frames, inNative));
        }
        return samples;
    }

    /**
     * Seconds the VM spent in GC pauses ({@code gcPauses}) and compiling methods ({@code jitCompilation}) during a
     * recording: most of the CPU no Java thread accounts for. Compilation is time in compiler threads, close to CPU.
     */
    public static Map<String, Double> vmSeconds(Path jfr) throws IOException {
        double gc = 0;
        double jit = 0;
        for (RecordedEvent event : RecordingFile.readAllEvents(jfr)) {
            String type = event.getEventType().getName();
            if (type.equals("jdk.GarbageCollection")) {
                gc += event.getDuration("sumOfPauses").toNanos() / 1e9;
            } else if (type.equals("jdk.Compilation")) {
                jit += event.getDuration().toNanos() / 1e9;
            }
        }
        return Map.of("gcPauses", gc, "jitCompilation", jit);
    }

    /**
     * Splits each thread's CPU seconds ({@code threadCpu}, by Java thread id) over the stages of its samples; the rest
     * of {@code processCpu} is {@link Stage#UNSAMPLED}.
     */
    public static SampleProfile attribute(List<Sample> samples, Map<Long, Double> threadCpu, double processCpu) {
        int rounds = 0;
        Map<Long, Integer> nativeCounts = new HashMap<>();
        for (Sample sample : samples) {
            if (sample.inNative()) {
                rounds++;
                nativeCounts.merge(sample.threadId(), 1, Integer::sum);
            }
        }
        // JFR samples every Java thread in Java code each round, but only one thread in native code: a thread always
        // in native code (an idle event loop, the process reaper) gets the most native samples, 1 in k rounds.
        double javaWeight = rounds == 0 ? 1 : 1.0 / rounds;
        double nativeWeight = 1.0 / Math.max(1, nativeCounts.values().stream().mapToInt(Integer::intValue).max()
                .orElse(1));
        Map<Long, EnumMap<Stage, Double>> weights = new HashMap<>();
        int used = 0;
        for (Sample sample : samples) {
            if (sample.frames().isEmpty() || sample.inNative() && StageMap.idle(sample.frames().get(0))) {
                continue;
            }
            weights.computeIfAbsent(sample.threadId(), id -> new EnumMap<>(Stage.class))
                    .merge(StageMap.classify(sample.frames()), sample.inNative() ? nativeWeight : javaWeight,
                            Double::sum);
            used++;
        }
        EnumMap<Stage, Double> seconds = new EnumMap<>(Stage.class);
        for (Stage stage : Stage.values()) {
            seconds.put(stage, 0.0);
        }
        double attributed = 0;
        for (Map.Entry<Long, EnumMap<Stage, Double>> thread : weights.entrySet()) {
            double cpu = threadCpu.getOrDefault(thread.getKey(), 0.0);
            double total = thread.getValue().values().stream().mapToDouble(Double::doubleValue).sum();
            for (Map.Entry<Stage, Double> stage : thread.getValue().entrySet()) {
                seconds.merge(stage.getKey(), cpu * stage.getValue() / total, Double::sum);
            }
            attributed += cpu;
        }
        seconds.put(Stage.UNSAMPLED, Math.max(0, processCpu - attributed));
        return new SampleProfile(seconds, used);
    }

    public double seconds(Stage stage) {
        return seconds.get(stage);
    }

    public double totalSeconds() {
        return seconds.values().stream().mapToDouble(Double::doubleValue).sum();
    }

    /** Samples that counted (not waiting). */
    public int samples() {
        return samples;
    }

    /** Milliseconds of CPU per MiB by stage, for {@code bytes} moved; stages with no time are left out. */
    public Map<Stage, Double> msPerMiB(long bytes) {
        Map<Stage, Double> perMiB = new EnumMap<>(Stage.class);
        double mib = bytes / (double) (1 << 20);
        seconds.forEach((stage, s) -> {
            if (s > 0) {
                perMiB.put(stage, s * 1000 / mib);
            }
        });
        return perMiB;
    }

    /** The table {@code bench profile} prints: stage, CPU ms per MiB, share of the total. */
    public String table(long bytes) {
        StringBuilder out = new StringBuilder();
        double total = totalSeconds();
        double mib = bytes / (double) (1 << 20);
        out.append(String.format(Locale.ROOT, "%-48s %12s %8s%n", "stage", "CPU ms/MiB", "share"));
        msPerMiB(bytes).forEach((stage, ms) -> out.append(String.format(Locale.ROOT, "%-48s %12.2f %7.1f%%%n",
                stage.label(), ms, 100 * seconds(stage) / total)));
        out.append(String.format(Locale.ROOT, "%-48s %12.2f %7.1f%%%n", "total (process CPU)", total * 1000 / mib,
                100.0));
        return out.toString();
    }
}
