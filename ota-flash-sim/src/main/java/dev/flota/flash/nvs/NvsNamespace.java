package dev.flota.flash.nvs;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * An open NVS namespace (an {@code nvs_handle_t}): typed get/set/erase of its keys. Every set is on flash when it
 * returns ({@code nvs_commit} is a no-op in ESP-IDF v6), and setting the stored value again writes nothing.
 */
public final class NvsNamespace {

    private final NvsPartition partition;
    private final String name;
    private final int index;

    NvsNamespace(NvsPartition partition, String name, int index) {
        this.partition = partition;
        this.name = name;
        this.index = index;
    }

    public String name() {
        return name;
    }

    /** The namespace's index in this partition (1..254); never hard-code it. */
    public int index() {
        return index;
    }

    /**
     * {@code nvs_get_*} of {@code type} (an integer type, {@link NvsType#STR} or {@link NvsType#BLOB}); empty for
     * ESP_ERR_NVS_NOT_FOUND, which includes a key stored with another type and a value whose data CRC is wrong.
     */
    public Optional<NvsValue> get(String key, NvsType type) {
        return Optional.ofNullable(partition.get(index, key, type));
    }

    public void set(String key, NvsValue value) {
        partition.set(index, key, value);
    }

    public OptionalInt getU8(String key) {
        return get(key, NvsType.U8).map(v -> OptionalInt.of((int) v.longValue())).orElse(OptionalInt.empty());
    }

    public void setU8(String key, int value) {
        set(key, NvsValue.u8(value));
    }

    public OptionalInt getU16(String key) {
        return get(key, NvsType.U16).map(v -> OptionalInt.of((int) v.longValue())).orElse(OptionalInt.empty());
    }

    public void setU16(String key, int value) {
        set(key, NvsValue.u16(value));
    }

    public OptionalLong getU32(String key) {
        return get(key, NvsType.U32).map(v -> OptionalLong.of(v.longValue())).orElse(OptionalLong.empty());
    }

    public void setU32(String key, long value) {
        set(key, NvsValue.u32(value));
    }

    /** u64 as its raw 64 bits. */
    public OptionalLong getU64(String key) {
        return get(key, NvsType.U64).map(v -> OptionalLong.of(v.longValue())).orElse(OptionalLong.empty());
    }

    public void setU64(String key, long bits) {
        set(key, NvsValue.u64(bits));
    }

    public OptionalLong getI64(String key) {
        return get(key, NvsType.I64).map(v -> OptionalLong.of(v.longValue())).orElse(OptionalLong.empty());
    }

    public void setI64(String key, long value) {
        set(key, NvsValue.i64(value));
    }

    public Optional<String> getString(String key) {
        return get(key, NvsType.STR).map(NvsValue::stringValue);
    }

    public void setString(String key, String value) {
        set(key, NvsValue.str(value));
    }

    public Optional<byte[]> getBlob(String key) {
        return get(key, NvsType.BLOB).map(NvsValue::bytes);
    }

    public void setBlob(String key, byte[] value) {
        set(key, NvsValue.blob(value));
    }

    /** {@code nvs_erase_key}; false when the key was absent. */
    public boolean erase(String key) {
        return partition.erase(index, key);
    }

    /** {@code nvs_erase_all}: every key of this namespace; the namespace itself stays. */
    public void eraseAll() {
        partition.eraseAll(index);
    }
}
