package dev.flota.flash.nvs;

import java.util.Optional;

/**
 * The item types of ESP-IDF's NVS ({@code nvs_type_t} plus the internal blob types), by their type byte. The low
 * nibble of an integer type is its size, bit 4 its sign. {@link #toolName()} is how {@code nvs_tool.py} names them.
 */
public enum NvsType {
    U8(0x01, "u8"),
    I8(0x11, "i8"),
    U16(0x02, "u16"),
    I16(0x12, "i16"),
    U32(0x04, "u32"),
    I32(0x14, "i32"),
    U64(0x08, "u64"),
    I64(0x18, "i64"),
    STR(0x21, "str"),
    /** Version-1 blob: one item on one page, as written before ESP-IDF v4.0; read, never written. */
    BLOB(0x41, "blob"),
    BLOB_DATA(0x42, "blob_data"),
    BLOB_IDX(0x48, "blob_index");

    private final int code;
    private final String toolName;

    NvsType(int code, String toolName) {
        this.code = code;
        this.toolName = toolName;
    }

    public int code() {
        return code;
    }

    public String toolName() {
        return toolName;
    }

    public static Optional<NvsType> of(int code) {
        for (NvsType t : values()) {
            if (t.code == code) {
                return Optional.of(t);
            }
        }
        return Optional.empty();
    }

    public boolean isInteger() {
        return code < 0x20;
    }

    /** Size in bytes of an integer type. */
    public int size() {
        return code & 0x0F;
    }

    public boolean isSigned() {
        return (code & 0x10) != 0;
    }

    /** STR, BLOB and BLOB_DATA: a header entry followed by payload entries. */
    public boolean isVariableLength() {
        return this == STR || this == BLOB || this == BLOB_DATA;
    }
}
