package dev.flota.ota.pipeline;

import dev.flota.ota.OtaError;
import dev.flota.ota.OtaException;

/** Shorthand for the pipeline stages' typed failures. */
final class StageException {

    private StageException() {
    }

    static OtaException of(OtaError error, String message) {
        return new OtaException(error, message);
    }
}
