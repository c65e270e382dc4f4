package dev.flota.flash.nor;

/** Why a flash operation failed, with the ESP-IDF error it stands for. */
public enum FlashError {
    /** Address or length outside the chip ({@code ESP_ERR_INVALID_ARG}). */
    OUT_OF_RANGE("ESP_ERR_INVALID_ARG", 0x102),
    /** Erase not on sector (or block) boundaries ({@code ESP_ERR_INVALID_ARG}). */
    MISALIGNED("ESP_ERR_INVALID_ARG", 0x102),
    /** Programming would have to turn a 0 bit back into 1, which only an erase can do (strict mode). */
    PROGRAM_ONE_OVER_ZERO("ESP_ERR_INVALID_STATE", 0x103),
    /** The chip lost power during or before this operation; nothing works until the device reboots. */
    POWER_LOST("ESP_FAIL", -1),
    /** {@code ESP_ERR_FLASH_OP_FAIL}: the chip reported a failed operation. */
    FLASH_OP_FAIL("ESP_ERR_FLASH_OP_FAIL", 0x6001),
    /** {@code ESP_ERR_FLASH_OP_TIMEOUT}: the chip stayed busy too long. */
    FLASH_OP_TIMEOUT("ESP_ERR_FLASH_OP_TIMEOUT", 0x6002);

    private final String espName;
    private final int espCode;

    FlashError(String espName, int espCode) {
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
