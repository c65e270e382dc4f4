package dev.flota.flash.nor;

import java.util.Objects;

/**
 * How a simulated chip behaves: strict programming (report a 1 written over a 0, the default in tests) or AND
 * semantics as hardware has, the timing model, and the seed that makes injected faults repeatable.
 *
 * @param strictProgramming report programming a 1 over a 0 instead of ANDing
 * @param timing            busy time per operation, accumulated on the chip's virtual clock
 * @param faultSeed         seed for where an interrupted operation stops
 */
public record FlashConfig(boolean strictProgramming, FlashTiming timing, long faultSeed) {

    public FlashConfig {
        Objects.requireNonNull(timing);
    }

    /** Strict programming, typical datasheet timing, seed 0. */
    public static FlashConfig defaults() {
        return new FlashConfig(true, FlashTiming.typical(), 0);
    }

    /** Programming ANDs the new bits into the old ones, as the hardware does. */
    public FlashConfig hardwareProgramming() {
        return new FlashConfig(false, timing, faultSeed);
    }

    public FlashConfig timing(FlashTiming timing) {
        return new FlashConfig(strictProgramming, timing, faultSeed);
    }

    public FlashConfig faultSeed(long seed) {
        return new FlashConfig(strictProgramming, timing, seed);
    }
}
