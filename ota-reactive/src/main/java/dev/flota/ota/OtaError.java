package dev.flota.ota;

/**
 * Why an update failed, each mapped to the ESP-IDF error {@code esp_https_ota} would return ({@link #espName()},
 * {@link #espCode()}). Where Flota detects more than ESP-IDF (a server ignoring ranges, a stalled server, a policy
 * veto) the constant says so and maps to the nearest ESP error.
 */
public enum OtaError {
    /** Bad configuration, e.g. plain HTTP without {@code allowHttp}. */
    INVALID_ARG("ESP_ERR_INVALID_ARG", 0x102),
    /** A call out of order, e.g. {@code finish} before all data was written, or {@code abort} after {@code finish}. */
    INVALID_STATE("ESP_ERR_INVALID_STATE", 0x103),
    /** Resumption asked together with something that cannot resume (decryption). */
    NOT_SUPPORTED("ESP_ERR_NOT_SUPPORTED", 0x106),
    /** No partition to write to. */
    NOT_FOUND("ESP_ERR_NOT_FOUND", 0x105),
    /** The image is for another chip, or outside the device's chip revision range. */
    INVALID_VERSION("ESP_ERR_INVALID_VERSION", 0x10A),
    /**
     * The app's eFuse block revision range ({@code min/max_efuse_blk_rev_full}) excludes the device's. ESP-IDF finds
     * it only in {@code esp_ota_end}'s image verification, hence that error; Flota refuses before the first erase.
     */
    EFUSE_BLOCK_REVISION("ESP_ERR_OTA_VALIDATE_FAILED", 0x1503),
    /** The image is shorter than its header and descriptor, or its descriptor magic is wrong. */
    IMAGE_HEADER_INVALID("ESP_FAIL", -1),
    /** The written image does not verify (checksum, SHA-256, signature, magic, truncation). */
    VALIDATE_FAILED("ESP_ERR_OTA_VALIDATE_FAILED", 0x1503),
    /** Anti-rollback: the image's secure version is below the device's eFuse. */
    SMALL_SEC_VER("ESP_ERR_OTA_SMALL_SEC_VER", 0x1504),
    /**
     * {@code CONFIG_ESP_HTTPS_OTA_VERIFY_SPI_MODE}, ESP-IDF's rule in {@code esp_ota_check_image_validity}: the new
     * app's {@code esp_app_desc_t.spi_flash_mode} ({@code CONFIG_ESPTOOLPY_FLASHMODE_VAL}, 1 QIO ... 5 OPI) differs
     * from the running app's, neither being 0 (not recorded). Bootloaders are not checked.
     */
    SPI_MODE_MISMATCH("ESP_ERR_OTA_SPI_MODE_MISMATCH", 0x1508),
    /** The image does not fit the partition. */
    INVALID_SIZE("ESP_ERR_INVALID_SIZE", 0x104),
    /** The target partition is the running one. */
    PARTITION_CONFLICT("ESP_ERR_OTA_PARTITION_CONFLICT", 0x1501),
    /** The running app has not been confirmed yet (rollback pending). */
    ROLLBACK_INVALID_STATE("ESP_ERR_OTA_ROLLBACK_INVALID_STATE", 0x1506),
    /** The caller's policy refused the image (e.g. the version already runs). */
    POLICY_REJECTED("ESP_FAIL", -1),
    /** The pre-encrypted image did not decrypt or authenticate. */
    DECRYPT_FAILED("ESP_FAIL", -1),
    /** Connecting or the TLS handshake failed (including an untrusted certificate). */
    HTTP_CONNECT("ESP_ERR_HTTP_CONNECT", 0x7002),
    /** A redirect from {@code https} to plain {@code http} without {@code allowHttp} (ESP-IDF follows it). */
    HTTP_INSECURE_REDIRECT("ESP_FAIL", -1),
    /** More redirects than {@code maxRedirects}. */
    HTTP_MAX_REDIRECT("ESP_ERR_HTTP_MAX_REDIRECT", 0x7001),
    /** 304: the image did not change since the conditional request's version. */
    HTTP_NOT_MODIFIED("ESP_ERR_HTTP_NOT_MODIFIED", 0x7009),
    /** 416. */
    HTTP_RANGE_NOT_SATISFIABLE("ESP_ERR_HTTP_RANGE_NOT_SATISFIABLE", 0x700A),
    /**
     * A range request answered with another range than asked for, or with 200 after byte 0 more often than the image
     * may be fetched again: ESP-IDF would silently corrupt the image.
     */
    HTTP_RANGE_IGNORED("ESP_ERR_HTTP_RANGE_NOT_SATISFIABLE", 0x700A),
    /** 401 with no (more) credentials to try. */
    HTTP_UNAUTHORIZED("ESP_FAIL", -1),
    /** Another 4xx or 5xx status ({@link OtaException#httpStatus()} says which). */
    HTTP_STATUS("ESP_FAIL", -1),
    /** The image size could not be learnt for a partial download. */
    HTTP_NO_CONTENT_LENGTH("ESP_FAIL", -1),
    /** The body ended early, or the connection broke, and retries ran out. */
    HTTP_INCOMPLETE_DATA("ESP_ERR_HTTP_INCOMPLETE_DATA", 0x700C),
    /** No byte arrived within the read timeout, and retries ran out. */
    HTTP_READ_TIMEOUT("ESP_ERR_HTTP_READ_TIMEOUT", 0x700B),
    /** The overall deadline passed (ESP-IDF has none and waits forever). */
    DEADLINE_EXCEEDED("ESP_ERR_TIMEOUT", 0x107),
    /** The image changed on the server during the update more often than allowed. */
    IMAGE_CHANGED("ESP_FAIL", -1),
    /** A flash operation failed. */
    FLASH_FAIL("ESP_ERR_FLASH_OP_FAIL", 0x6001),
    /** The flash stayed busy too long. */
    FLASH_TIMEOUT("ESP_ERR_FLASH_OP_TIMEOUT", 0x6002),
    /** Anything else. */
    FAIL("ESP_FAIL", -1);

    private final String espName;
    private final int espCode;

    OtaError(String espName, int espCode) {
        this.espName = espName;
        this.espCode = espCode;
    }

    public String espName() {
        return espName;
    }

    public int espCode() {
        return espCode;
    }
}
