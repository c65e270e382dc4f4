package dev.flota.flash.nor;

import java.time.Duration;

/**
 * How long each operation keeps a SPI NOR chip busy, from a typical ESP32 flash datasheet (GD25Q32 / W25Q32 class):
 * 4 KiB sector erase 45 ms typical, 400 ms max; 256-byte page program 0.7 ms typical, 3 ms max; 64 KiB block erase
 * 150 ms typical, 2 s max; reads at about 20 MB/s (40 MHz quad I/O).
 *
 * @param sectorErase  one 4 KiB sector erase
 * @param blockErase   one 64 KiB block erase
 * @param pageProgram  one page program (up to 256 bytes)
 * @param readPerKiB   reading 1 KiB
 */
public record FlashTiming(Duration sectorErase, Duration blockErase, Duration pageProgram, Duration readPerKiB) {

    /** Datasheet typical values. */
    public static FlashTiming typical() {
        return new FlashTiming(Duration.ofMillis(45), Duration.ofMillis(150), Duration.ofNanos(700_000),
                Duration.ofNanos(51_200));
    }

    /** Datasheet maximum values: the worst a healthy chip may take. */
    public static FlashTiming maximum() {
        return new FlashTiming(Duration.ofMillis(400), Duration.ofMillis(2000), Duration.ofMillis(3),
                Duration.ofNanos(51_200));
    }

    /** No time at all: for tests that do not look at time. */
    public static FlashTiming instant() {
        return new FlashTiming(Duration.ZERO, Duration.ZERO, Duration.ZERO, Duration.ZERO);
    }

    Duration read(int bytes) {
        return Duration.ofNanos(readPerKiB.toNanos() * bytes / 1024);
    }
}
