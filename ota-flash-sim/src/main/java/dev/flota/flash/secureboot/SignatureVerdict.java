package dev.flota.flash.secureboot;

import java.util.List;

/**
 * Whether the device accepts a signature sector, through which block, and what was wrong with each block it examined.
 *
 * @param accepted      true when one block is trusted and its signature verifies
 * @param acceptedBlock the index of that block, or -1
 * @param notes         one line per examined block that was not accepted
 */
public record SignatureVerdict(boolean accepted, int acceptedBlock, List<String> notes) {

    public SignatureVerdict {
        notes = List.copyOf(notes);
    }

    /** One line for an error report. */
    public String reason() {
        if (accepted) {
            return "signature block " + acceptedBlock + " verified";
        }
        return notes.isEmpty() ? "no signature block examined" : String.join("; ", notes);
    }
}
