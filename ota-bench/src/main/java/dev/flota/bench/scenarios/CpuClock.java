package dev.flota.bench.scenarios;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;

/**
 * This JVM's CPU time (every thread: event loops, flash scheduler, GC, JIT; user and system) and the machine's load
 * average, for the benches' CPU-per-byte figures. With the server in another process it is the client's cost alone.
 */
final class CpuClock {

    private CpuClock() {
    }

    /** Process CPU seconds so far, or -1 where the JVM does not tell. */
    static double processSeconds() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
            long nanos = sun.getProcessCpuTime();
            return nanos < 0 ? -1 : nanos / 1e9;
        }
        return -1;
    }

    /** The one-minute load average, or -1 where unknown: how busy the machine was while a figure was taken. */
    static double loadAverage() {
        return Math.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage() * 100) / 100.0;
    }

    /** CPU seconds per GiB for {@code cpuSeconds} spent moving {@code bytes}; -1 when either is unknown. */
    static double perGiB(double cpuSeconds, long bytes) {
        if (cpuSeconds < 0 || bytes <= 0) {
            return -1;
        }
        return Math.round(cpuSeconds / (bytes / (double) (1L << 30)) * 100) / 100.0;
    }
}
