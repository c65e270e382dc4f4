package dev.flota.flash.loader;

/**
 * The emulated serial link between host and device: unlimited (tests), or a UART at {@code bitsPerSecond} with 8N1
 * framing, 10 bits per byte, in each direction, for benches at realistic speed. With {@link #flashTiming()} the device
 * also waits out its flash's busy time ({@code NorFlash.drainBusyTime}) as a real chip does: the ROM before it acks,
 * the stub after (overlapping the next block's transfer; the next command waits for it).
 *
 * <p>The rate is fixed by this configuration: CHANGE_BAUDRATE is acknowledged and tracked (it changes what
 * {@code UART_CLKDIV} reads) but does not change the emulated rate, as over {@code socket://} nothing would carry it.
 *
 * @param bitsPerSecond the line rate, 0 for no limit
 * @param flashTiming   whether flash busy time is waited for in real time
 */
public record LinkModel(long bitsPerSecond, boolean flashTiming) {

    public static final int BITS_PER_BYTE = 10;

    public LinkModel {
        if (bitsPerSecond < 0) {
            throw new IllegalArgumentException("bits per second must not be negative");
        }
    }

    /** No rate limit and no flash waits: as fast as the machine goes. */
    public static LinkModel unlimited() {
        return new LinkModel(0, false);
    }

    /** A UART at {@code bitsPerSecond} (e.g. 115200, 921600), with real flash timing. */
    public static LinkModel baud(long bitsPerSecond) {
        if (bitsPerSecond <= 0) {
            throw new IllegalArgumentException("baud must be positive, got " + bitsPerSecond);
        }
        return new LinkModel(bitsPerSecond, true);
    }

    public boolean limited() {
        return bitsPerSecond > 0;
    }

    /** Wire time of {@code bytes} bytes, in nanoseconds (0 when unlimited). */
    public long nanosFor(long bytes) {
        return limited() ? bytes * BITS_PER_BYTE * 1_000_000_000L / bitsPerSecond : 0;
    }
}
