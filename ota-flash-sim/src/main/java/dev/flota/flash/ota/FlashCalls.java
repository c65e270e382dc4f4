package dev.flota.flash.ota;

import dev.flota.flash.EspError;
import dev.flota.flash.nor.FlashError;
import dev.flota.flash.nor.FlashException;

/**
 * Flash failures as the OTA API reports them: an operation failure or timeout becomes the matching ESP error; a power
 * cut is not an error of the call but the end of the device's life until reboot, so it propagates as is.
 */
final class FlashCalls {

    private FlashCalls() {
    }

    static void run(Runnable operation) {
        try {
            operation.run();
        } catch (FlashException e) {
            throw translate(e);
        }
    }

    static RuntimeException translate(FlashException e) {
        if (e.error() == FlashError.FLASH_OP_FAIL) {
            return new OtaException(EspError.ESP_ERR_FLASH_OP_FAIL, e.getMessage(), e);
        }
        if (e.error() == FlashError.FLASH_OP_TIMEOUT) {
            return new OtaException(EspError.ESP_ERR_FLASH_OP_TIMEOUT, e.getMessage(), e);
        }
        if (e.error() == FlashError.OUT_OF_RANGE || e.error() == FlashError.MISALIGNED) {
            return new OtaException(EspError.ESP_ERR_INVALID_ARG, e.getMessage(), e);
        }
        return e;
    }
}
