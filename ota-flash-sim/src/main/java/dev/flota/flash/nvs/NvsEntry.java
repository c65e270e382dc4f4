package dev.flota.flash.nvs;

/** One key of a mounted partition with the value {@code nvs_get_*} returns for it. */
public record NvsEntry(String namespace, String key, NvsValue value) {

    /** {@code u8} … {@code i64}, {@code str} or {@code blob}, as {@code nvs_tool.py} names the type. */
    public String typeName() {
        return value.type().toolName();
    }
}
