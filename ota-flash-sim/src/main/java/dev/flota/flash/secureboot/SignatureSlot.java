package dev.flota.flash.secureboot;

import java.util.Optional;

/**
 * One of the three block positions of a signature sector: a well-formed block, or the reason there is none.
 *
 * @param index   0, 1 or 2
 * @param block   the block when the slot holds a well-formed one
 * @param problem why the slot is unusable (erased, bad magic, bad CRC, unknown scheme) otherwise
 */
public record SignatureSlot(int index, Optional<SignatureBlock> block, Optional<SignatureBlockException> problem) {

    public boolean usable() {
        return block.isPresent();
    }
}
