package dev.flota.ota;

import dev.flota.ota.encrypted.DecryptException;
import dev.flota.ota.http.FetchException;
import dev.flota.ota.target.TargetException;
import java.util.concurrent.TimeoutException;

/** Turns what a stage threw into the {@link OtaException} the update fails with. */
final class OtaErrors {

    private OtaErrors() {
    }

    static OtaException of(Throwable failure) {
        if (failure instanceof OtaException ota) {
            return ota;
        }
        if (failure instanceof FetchException fetch) {
            return new OtaException(fetchError(fetch), fetch.getMessage(), fetch.status(), fetch);
        }
        if (failure instanceof DecryptException decrypt) {
            return new OtaException(OtaError.DECRYPT_FAILED, decrypt.error() + ": " + decrypt.getMessage(), decrypt);
        }
        if (failure instanceof TargetException target) {
            return new OtaException(targetError(target), target.getMessage(), target);
        }
        if (failure instanceof TimeoutException) {
            return new OtaException(OtaError.DEADLINE_EXCEEDED, "the update did not finish within its deadline",
                    failure);
        }
        return new OtaException(OtaError.FAIL, String.valueOf(failure), failure);
    }

    private static OtaError fetchError(FetchException e) {
        return switch (e.reason()) {
            case INVALID_ARG -> OtaError.INVALID_ARG;
            case CONNECT -> OtaError.HTTP_CONNECT;
            case MAX_REDIRECT -> OtaError.HTTP_MAX_REDIRECT;
            case NOT_MODIFIED -> OtaError.HTTP_NOT_MODIFIED;
            case RANGE_NOT_SATISFIABLE -> OtaError.HTTP_RANGE_NOT_SATISFIABLE;
            case RANGE_IGNORED, RANGE_IGNORED_MIDWAY -> OtaError.HTTP_RANGE_IGNORED;
            case UNAUTHORIZED -> OtaError.HTTP_UNAUTHORIZED;
            case STATUS -> OtaError.HTTP_STATUS;
            case NO_CONTENT_LENGTH -> OtaError.HTTP_NO_CONTENT_LENGTH;
            case INCOMPLETE -> OtaError.HTTP_INCOMPLETE_DATA;
            case READ_TIMEOUT -> OtaError.HTTP_READ_TIMEOUT;
            case IMAGE_CHANGED -> OtaError.IMAGE_CHANGED;
            case INSECURE_REDIRECT -> OtaError.HTTP_INSECURE_REDIRECT;
        };
    }

    private static OtaError targetError(TargetException e) {
        return switch (e.error()) {
            case ESP_ERR_OTA_VALIDATE_FAILED -> OtaError.VALIDATE_FAILED;
            case ESP_ERR_OTA_SMALL_SEC_VER -> OtaError.SMALL_SEC_VER;
            case ESP_ERR_OTA_SPI_MODE_MISMATCH -> OtaError.SPI_MODE_MISMATCH;
            case ESP_ERR_OTA_PARTITION_CONFLICT -> OtaError.PARTITION_CONFLICT;
            case ESP_ERR_OTA_ROLLBACK_INVALID_STATE -> OtaError.ROLLBACK_INVALID_STATE;
            case ESP_ERR_NOT_FOUND -> OtaError.NOT_FOUND;
            case ESP_ERR_INVALID_SIZE -> OtaError.INVALID_SIZE;
            case ESP_ERR_INVALID_ARG -> OtaError.INVALID_ARG;
            case ESP_ERR_FLASH_OP_FAIL -> OtaError.FLASH_FAIL;
            case ESP_ERR_FLASH_OP_TIMEOUT -> OtaError.FLASH_TIMEOUT;
            default -> OtaError.FAIL;
        };
    }
}
