package dev.flota.flash;

/** The ESP-IDF error codes ({@code esp_err_t}) the OTA and flash APIs return, by their ESP names: shared by the simulated device and every OTA target. */
public enum EspError {
    ESP_FAIL(-1),
    ESP_ERR_NO_MEM(0x101),
    ESP_ERR_INVALID_ARG(0x102),
    ESP_ERR_INVALID_STATE(0x103),
    ESP_ERR_INVALID_SIZE(0x104),
    ESP_ERR_NOT_FOUND(0x105),
    ESP_ERR_NOT_SUPPORTED(0x106),
    ESP_ERR_INVALID_VERSION(0x10A),
    ESP_ERR_OTA_PARTITION_CONFLICT(0x1501),
    ESP_ERR_OTA_SELECT_INFO_INVALID(0x1502),
    ESP_ERR_OTA_VALIDATE_FAILED(0x1503),
    ESP_ERR_OTA_SMALL_SEC_VER(0x1504),
    ESP_ERR_OTA_ROLLBACK_FAILED(0x1505),
    ESP_ERR_OTA_ROLLBACK_INVALID_STATE(0x1506),
    ESP_ERR_OTA_SPI_MODE_MISMATCH(0x1508),
    ESP_ERR_FLASH_OP_FAIL(0x6001),
    ESP_ERR_FLASH_OP_TIMEOUT(0x6002);

    private final int code;

    EspError(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** The short name used in messages, without the {@code ESP_ERR_} prefix, e.g. {@code OTA_VALIDATE_FAILED}. */
    public String shortName() {
        return name().startsWith("ESP_ERR_") ? name().substring(8) : name();
    }
}
