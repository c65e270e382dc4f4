package dev.flota.ota.serial;

import java.time.Duration;
import java.util.Objects;

/**
 * How long the host waits for the loader, as esptool 5.3.1 does: a default per command, short waits for SYNC and for
 * MEM_END on a ROM, and for long operations a time per MiB, never below the default.
 *
 * @param command      any command without a rule of its own (esptool: 3 s)
 * @param sync         each of the 8 SYNC replies (0.1 s)
 * @param memEnd       MEM_END before the stub answers (0.2 s)
 * @param erasePerMiB  FLASH_(DEFL_)BEGIN on a ROM, which erases before it replies (30 s/MiB)
 * @param writePerMiB  a FLASH_DEFL_DATA block, by its uncompressed size (40 s/MiB)
 * @param md5PerMiB    SPI_FLASH_MD5 (8 s/MiB)
 */
public record LoaderTimeouts(Duration command, Duration sync, Duration memEnd, Duration erasePerMiB,
        Duration writePerMiB, Duration md5PerMiB) {

    private static final double MIB = 1024 * 1024;

    public LoaderTimeouts {
        for (Duration d : new Duration[] {command, sync, memEnd, erasePerMiB, writePerMiB, md5PerMiB}) {
            Objects.requireNonNull(d, "timeout");
            if (d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("timeouts must be positive, got " + d);
            }
        }
    }

    /** esptool 5.3.1's values. */
    public static LoaderTimeouts esptool() {
        return new LoaderTimeouts(Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofMillis(200),
                Duration.ofSeconds(30), Duration.ofSeconds(40), Duration.ofSeconds(8));
    }

    /** The same with another default per command (and floor of the per-MiB ones). */
    public LoaderTimeouts withCommand(Duration command) {
        return new LoaderTimeouts(command, sync, memEnd, erasePerMiB, writePerMiB, md5PerMiB);
    }

    Duration erase(long bytes) {
        return scaled(erasePerMiB, bytes);
    }

    Duration write(long bytes) {
        return scaled(writePerMiB, bytes);
    }

    Duration md5(long bytes) {
        return scaled(md5PerMiB, bytes);
    }

    private Duration scaled(Duration perMiB, long bytes) {
        Duration d = Duration.ofNanos((long) (perMiB.toNanos() * (bytes / MIB)));
        return d.compareTo(command) < 0 ? command : d;
    }
}
