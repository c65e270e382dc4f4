package dev.flota.flash.serial;

import java.util.Optional;

/** The loader commands, by esptool's names (ESP8266-only and the 0xD4–0xDE extensions are left out). */
public enum LoaderOpcode {
    FLASH_BEGIN(0x02),
    FLASH_DATA(0x03),
    FLASH_END(0x04),
    MEM_BEGIN(0x05),
    MEM_END(0x06),
    MEM_DATA(0x07),
    SYNC(0x08),
    WRITE_REG(0x09),
    READ_REG(0x0A),
    SPI_SET_PARAMS(0x0B),
    SPI_ATTACH(0x0D),
    READ_FLASH_SLOW(0x0E),
    CHANGE_BAUDRATE(0x0F),
    FLASH_DEFL_BEGIN(0x10),
    FLASH_DEFL_DATA(0x11),
    FLASH_DEFL_END(0x12),
    SPI_FLASH_MD5(0x13),
    GET_SECURITY_INFO(0x14),
    ERASE_FLASH(0xD0),
    ERASE_REGION(0xD1),
    READ_FLASH(0xD2),
    RUN_USER_CODE(0xD3);

    private final int code;

    LoaderOpcode(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }

    /** True for MEM_DATA, FLASH_DATA and FLASH_DEFL_DATA: the header's checksum field is checked. */
    public boolean carriesChecksum() {
        return this == MEM_DATA || this == FLASH_DATA || this == FLASH_DEFL_DATA;
    }

    /** True for the commands only the stub knows (ERASE_FLASH, ERASE_REGION, READ_FLASH, RUN_USER_CODE). */
    public boolean stubOnly() {
        return code >= 0xD0;
    }

    public static Optional<LoaderOpcode> byCode(int code) {
        for (LoaderOpcode opcode : values()) {
            if (opcode.code == code) {
                return Optional.of(opcode);
            }
        }
        return Optional.empty();
    }
}
