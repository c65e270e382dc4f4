package dev.flota.ota.serial.link;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * A DTR/RTS sequence that resets a chip on a board with esptool's two-transistor auto-reset circuit (RTS drives EN,
 * DTR the boot strap pin, both active low): into the ROM loader (ClassicReset, UnixTightReset, USBJTAGSerialReset) or
 * into the app (HardReset), step for step as esptool 5.3.1's {@code reset.py}. The sequences are data; the waits go
 * through a {@link Sleeper}, so tests run them without sleeping.
 *
 * @param name  esptool's name of the strategy, for messages
 * @param steps what is done to the lines, in order
 */
public record ResetSequence(String name, List<Step> steps) {

    private static final Duration PULSE = Duration.ofMillis(100);
    /** esptool's {@code DEFAULT_RESET_DELAY}: how long IO0 is held low after EN rises. */
    public static final Duration DEFAULT_DELAY = Duration.ofMillis(50);
    /** esptool's alternate delay for boards with a slow EN capacitor, tried on every second attempt. */
    public static final Duration SLOW_DELAY = Duration.ofMillis(550);

    public ResetSequence {
        Objects.requireNonNull(name, "name");
        steps = List.copyOf(steps);
    }

    /** One action on the link. */
    public sealed interface Step {
    }

    /** Sets DTR (asserted = 0 V). */
    public record Dtr(boolean asserted) implements Step {
    }

    /** Sets RTS (asserted = 0 V; the link re-sends DTR after it). */
    public record Rts(boolean asserted) implements Step {
    }

    /** Sets both lines in one go ({@code TIOCMSET}) where the link can. */
    public record Lines(boolean dtr, boolean rts) implements Step {
    }

    /** Waits. */
    public record Sleep(Duration duration) implements Step {
    }

    /** How a sequence waits: {@link #REAL} on hardware, a recorder in tests. */
    @FunctionalInterface
    public interface Sleeper {

        Sleeper REAL = duration -> Thread.sleep(duration.toMillis());

        void sleep(Duration duration) throws InterruptedException;
    }

    /** ClassicReset: EN low, then IO0 low while EN rises, held for {@code delay}. */
    public static ResetSequence classic(Duration delay) {
        return new ResetSequence("ClassicReset", List.of(new Dtr(false), new Rts(true), new Sleep(PULSE),
                new Dtr(true), new Rts(false), new Sleep(delay), new Dtr(false)));
    }

    /** UnixTightReset: the same with both lines set at once, so IO0 and EN never glitch together. */
    public static ResetSequence unixTight(Duration delay) {
        return new ResetSequence("UnixTightReset", List.of(new Lines(false, false), new Lines(true, true),
                new Lines(false, true), new Sleep(PULSE), new Lines(true, false), new Sleep(delay),
                new Lines(false, false), new Dtr(false)));
    }

    /** USBJTAGSerialReset: the USB-JTAG-Serial peripheral's own reset-into-download encoding of the lines. */
    public static ResetSequence usbJtagSerial() {
        return new ResetSequence("USBJTAGSerialReset", List.of(new Rts(false), new Dtr(false), new Sleep(PULSE),
                new Dtr(true), new Rts(false), new Sleep(PULSE), new Rts(true), new Dtr(false), new Rts(true),
                new Sleep(PULSE), new Dtr(false), new Rts(false)));
    }

    /** HardReset: an EN pulse with IO0 high, so the chip boots its app; longer over USB. */
    public static ResetSequence hardReset(boolean usb) {
        Duration pulse = usb ? Duration.ofMillis(200) : PULSE;
        return usb ? new ResetSequence("HardReset", List.of(new Rts(true), new Sleep(pulse), new Rts(false),
                new Sleep(Duration.ofMillis(200))))
                : new ResetSequence("HardReset", List.of(new Rts(true), new Sleep(pulse), new Rts(false)));
    }

    /**
     * The sequences esptool cycles through when connecting ({@code _construct_reset_strategy_sequence}): only
     * USBJTAGSerialReset on a USB-JTAG-Serial port; otherwise Classic with the short, then the long delay (jSerialComm
     * sets the lines one at a time, so the Unix tight variant is no tighter here).
     */
    public static List<ResetSequence> intoBootloader(SerialLink link) {
        if (link.isUsbJtagSerial()) {
            return List.of(usbJtagSerial());
        }
        return List.of(classic(DEFAULT_DELAY), classic(SLOW_DELAY));
    }

    /** Runs the steps on {@code link}. */
    public void run(SerialLink link, Sleeper sleeper) throws IOException, InterruptedException {
        for (Step step : steps) {
            if (step instanceof Dtr d) {
                link.dtr(d.asserted());
            } else if (step instanceof Rts r) {
                link.rts(r.asserted());
            } else if (step instanceof Lines l) {
                link.lines(l.dtr(), l.rts());
            } else if (step instanceof Sleep s) {
                sleeper.sleep(s.duration());
            }
        }
    }
}
