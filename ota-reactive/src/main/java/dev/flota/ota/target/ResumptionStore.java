package dev.flota.ota.target;

import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * The {@code ota_resumption} namespace of a device's NVS partition, as {@code nvs_open("ota_resumption",
 * NVS_READWRITE)} gives it to ESP-IDF's {@code advanced_https_ota} example: typed {@code nvs_get_*}/{@code nvs_set_*}
 * and {@code nvs_erase_all}. Each set is power-safe on its own (the old value or the new one survives a cut); the
 * engine orders its sets so that any prefix of them describes bytes the flash holds. Errors are
 * {@link TargetException}s.
 */
public interface ResumptionStore {

    /** The namespace ESP-IDF's example keeps its journal in. */
    String NAMESPACE = "ota_resumption";

    OptionalInt getU16(String key);

    void setU16(String key, int value);

    OptionalLong getU32(String key);

    void setU32(String key, long value);

    Optional<String> getString(String key);

    void setString(String key, String value);

    Optional<byte[]> getBlob(String key);

    void setBlob(String key, byte[] value);

    /** {@code nvs_erase_all}: every key of the namespace. */
    void eraseAll();
}
