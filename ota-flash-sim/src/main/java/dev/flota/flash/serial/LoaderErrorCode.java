package dev.flota.flash.serial;

import java.util.Optional;

/**
 * The failure codes a host reads as the BE16 status after the payload: ROM errors {@code 0x0100 + error byte}
 * (status byte 1, then the error), and the stub's own codes.
 */
public enum LoaderErrorCode {
    ROM_UNDEFINED(0x0100, "Undefined errors"),
    ROM_INVALID_PARAMETER(0x0101, "The input parameter is invalid"),
    ROM_MALLOC_FAILED(0x0102, "Failed to malloc memory from system"),
    ROM_SEND_FAILED(0x0103, "Failed to send out message"),
    ROM_RECEIVE_FAILED(0x0104, "Failed to receive message"),
    ROM_INVALID_FORMAT(0x0105, "The format of the received message is invalid"),
    ROM_RESULT_WRONG(0x0106, "Message is ok, but the running result is wrong"),
    ROM_CHECKSUM(0x0107, "Checksum error"),
    ROM_FLASH_WRITE(0x0108, "Flash write error"),
    ROM_FLASH_READ(0x0109, "Flash read error"),
    ROM_FLASH_READ_LENGTH(0x010A, "Flash read length error"),
    ROM_DEFLATE(0x010B, "Deflate failed error"),
    ROM_DEFLATE_ADLER32(0x010C, "Deflate Adler32 error"),
    ROM_DEFLATE_PARAMETER(0x010D, "Deflate parameter error"),
    ROM_INVALID_RAM_SIZE(0x010E, "Invalid RAM binary size"),
    ROM_INVALID_RAM_ADDRESS(0x010F, "Invalid RAM binary address"),
    ROM_INVALID_PARAMETER_2(0x0164, "Invalid parameter"),
    ROM_INVALID_FORMAT_2(0x0165, "Invalid format"),
    ROM_DESCRIPTION_TOO_LONG(0x0166, "Description too long"),
    ROM_BAD_ENCODING(0x0167, "Bad encoding description"),
    ROM_INSUFFICIENT_STORAGE(0x0169, "Insufficient storage"),
    BAD_DATA_LEN(0xC000, "Bad data length"),
    BAD_DATA_CHECKSUM(0xC100, "Bad data checksum"),
    BAD_BLOCKSIZE(0xC200, "Bad blocksize"),
    INVALID_COMMAND(0xC300, "Invalid command"),
    FAILED_SPI_OP(0xC400, "Failed SPI operation"),
    FAILED_SPI_UNLOCK(0xC500, "Failed SPI unlock"),
    NOT_IN_FLASH_MODE(0xC600, "Not in flash mode"),
    INFLATE_ERROR(0xC700, "Inflate error"),
    NOT_ENOUGH_DATA(0xC800, "Not enough data"),
    TOO_MUCH_DATA(0xC900, "Too much data"),
    NAND_P_FAIL(0xCA00, "NAND P_FAIL"),
    NAND_E_FAIL(0xCB00, "NAND E_FAIL"),
    CMD_NOT_IMPLEMENTED(0xFF00, "Command not implemented");

    private final int code;
    private final String text;

    LoaderErrorCode(int code, String text) {
        this.code = code;
        this.text = text;
    }

    /** The BE16 status code. */
    public int code() {
        return code;
    }

    public String text() {
        return text;
    }

    /** True for a ROM error ({@code 0x01EE}). */
    public boolean rom() {
        return code >>> 8 == 0x01;
    }

    public static Optional<LoaderErrorCode> byCode(int code) {
        for (LoaderErrorCode value : values()) {
            if (value.code == code) {
                return Optional.of(value);
            }
        }
        return Optional.empty();
    }

    /** As esptool prints a failure: {@code 0107: Checksum error}, or {@code Unknown result} for a code not listed. */
    public static String describe(int code) {
        return String.format("%04X: %s", code & 0xFFFF, byCode(code).map(LoaderErrorCode::text)
                .orElse("Unknown result"));
    }
}
