package dev.flota.bench.measure;

import java.io.IOException;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This JVM's CPU time (every thread: event loops, flash scheduler, GC, JIT; user and system) and the machine's load
 * average, for the benches' CPU-per-byte figures. With the server in another process it is the client's cost alone.
 */
public final class CpuClock {

    private CpuClock() {
    }

    /** Process CPU seconds so far, or -1 where the JVM does not tell. */
    public static double processSeconds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long nanos = sun.getProcessCpuTime();
            return nanos < 0 ? -1 : nanos / 1e9;
        }
        return -1;
    }

    /**
     * CPU seconds so far of this JVM's live threads whose name starts with {@code prefix} (e.g. one set of event
     * loops), or -1 where the JVM does not tell: the share of the process one component uses.
     */
    public static double threadSeconds(String prefix) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long nanos = 0;
        for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (info != null && info.getThreadName().startsWith(prefix)) {
                long cpu = threads.getThreadCpuTime(info.getThreadId());
                if (cpu < 0) {
                    return -1;
                }
                nanos += cpu;
            }
        }
        return nanos / 1e9;
    }

    /**
     * CPU seconds so far (user and system) of this process's live descendants whose executable is named
     * {@code executable}, e.g. nginx's master and workers; -1 where the OS does not tell.
     */
    public static double descendantSeconds(String executable) {
        double[] seconds = {0};
        boolean[] unknown = {false};
        ProcessHandle.current().descendants()
                .filter(p -> p.info().command().map(c -> c.equals(executable) || c.endsWith("/" + executable))
                        .orElse(false))
                .forEach(p -> p.info().totalCpuDuration().ifPresentOrElse(d -> seconds[0] += d.toNanos() / 1e9,
                        () -> unknown[0] = true));
        return unknown[0] ? -1 : seconds[0];
    }

    /** Seconds this JVM's JIT compilers have spent so far (their threads' time), or -1 where the JVM does not tell. */
    public static double compilationSeconds() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        return jit == null || !jit.isCompilationTimeMonitoringSupported() ? -1 : jit.getTotalCompilationTime() / 1e3;
    }

    /** The one-minute load average, or -1 where unknown: how busy the machine was while a figure was taken. */
    public static double loadAverage() {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
    }

    /**
     * The machine's CPU time so far as {@code /proc/stat} counts it, all CPUs: the ticks stolen (a virtual CPU ready
     * to run while the hypervisor ran something else) and the total; null where unknown (not Linux). Stolen time is
     * what makes a shared virtual machine noisy: a bench figure taken while it is high measures the neighbours.
     */
    public record HostTicks(long stolen, long total) {

        public static HostTicks now() {
            try {
                String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long total = 0;
                for (int i = 1; i <= 8 && i < fields.length; i++) {
                    total += Long.parseLong(fields[i]);
                }
                return fields.length > 8 ? new HostTicks(Long.parseLong(fields[8]), total) : null;
            } catch (IOException | RuntimeException unknown) {
                return null;
            }
        }

        /** Percent of the CPU time since {@code before} that was stolen, one decimal; -1 when unknown. */
        public static double stolenPercentSince(HostTicks before) {
            HostTicks now = now();
            if (before == null || now == null || now.total <= before.total) {
                return -1;
            }
            return Math.round(1000.0 * (now.stolen - before.stolen) / (now.total - before.total)) / 10.0;
        }
    }

    /** CPU seconds per GiB for {@code cpuSeconds} spent moving {@code bytes}; -1 when either is unknown. */
    public static double perGiB(double cpuSeconds, long bytes) {
        if (cpuSeconds < 0 || bytes <= 0) {
            return -1;
        }
        return Math.round(cpuSeconds / (bytes / (double) (1L << 30)) * 100) / 100.0;
    }
}
