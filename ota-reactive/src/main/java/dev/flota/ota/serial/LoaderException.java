package dev.flota.ota.serial;

import dev.flota.flash.EspError;
import dev.flota.ota.target.TargetException;
import java.util.Objects;

/**
 * A serial loader exchange that failed, with why as a {@link Reason}: the engine sees the ESP error (a flash
 * failure or timeout, a failed validation), a caller can tell a dead link from a refused command.
 */
public final class LoaderException extends TargetException {

    /** What went wrong on the link or in the loader. */
    public enum Reason {
        /** The chip did not answer in time. */
        TIMEOUT(EspError.ESP_ERR_FLASH_OP_TIMEOUT),
        /** The link closed or failed. */
        LINK_CLOSED(EspError.ESP_ERR_FLASH_OP_FAIL),
        /** Bytes that are no SLIP frame or no loader reply (noise, corruption). */
        GARBLED(EspError.ESP_ERR_FLASH_OP_FAIL),
        /** No SYNC reply: the chip is not in download mode, or not there. */
        NO_SYNC(EspError.ESP_ERR_FLASH_OP_FAIL),
        /** The loader answered with a failure status. */
        FAILED(EspError.ESP_ERR_FLASH_OP_FAIL),
        /** The loader does not know the command. */
        UNSUPPORTED(EspError.ESP_ERR_NOT_SUPPORTED),
        /** The operation needs the flasher stub and none was given. */
        STUB_REQUIRED(EspError.ESP_ERR_NOT_SUPPORTED),
        /**
         * The chip is in Secure Download Mode ({@code ENABLE_SECURITY_DOWNLOAD}): its ROM refuses every read, so the
         * partition table, otadata and running app cannot be read.
         */
        SECURE_DOWNLOAD_MODE(EspError.ESP_ERR_NOT_SUPPORTED),
        /**
         * Flash encryption is on: the loader reads flash raw (ciphertext) and a plain write would brick the device;
         * in release mode it cannot encrypt either.
         */
        FLASH_ENCRYPTED(EspError.ESP_ERR_NOT_SUPPORTED),
        /** The chip is not one this client knows. */
        UNKNOWN_CHIP(EspError.ESP_ERR_NOT_SUPPORTED),
        /** The caller stopped the operation (an aborted or cancelled update). */
        ABORTED(EspError.ESP_FAIL),
        /** SPI_FLASH_MD5 of the written region is not the MD5 of what was sent. */
        MD5_MISMATCH(EspError.ESP_ERR_OTA_VALIDATE_FAILED);

        private final EspError error;

        Reason(EspError error) {
            this.error = error;
        }

        public EspError error() {
            return error;
        }
    }

    private final Reason reason;

    public LoaderException(Reason reason, String message) {
        this(reason, message, null);
    }

    public LoaderException(Reason reason, String message, Throwable cause) {
        super(Objects.requireNonNull(reason, "reason").error(), message, cause);
        this.reason = reason;
    }

    public Reason reason() {
        return reason;
    }
}
