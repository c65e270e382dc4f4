package dev.flota.flash.partition;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The type and subtype keywords of gen_esp32part.py v1.5, in its dictionary order. */
final class PartitionNames {

    static final Map<String, Integer> TYPES;
    private static final Map<Integer, Map<String, Integer>> SUBTYPES;

    static {
        Map<String, Integer> types = new LinkedHashMap<>();
        types.put("bootloader", Partition.TYPE_BOOTLOADER);
        types.put("partition_table", Partition.TYPE_PARTITION_TABLE);
        types.put("app", Partition.TYPE_APP);
        types.put("data", Partition.TYPE_DATA);
        TYPES = Collections.unmodifiableMap(types);

        Map<String, Integer> bootloader = new LinkedHashMap<>();
        bootloader.put("primary", 0x00);
        bootloader.put("ota", 0x01);
        bootloader.put("recovery", 0x02);
        Map<String, Integer> table = new LinkedHashMap<>();
        table.put("primary", 0x00);
        table.put("ota", 0x01);
        Map<String, Integer> app = new LinkedHashMap<>();
        app.put("factory", 0x00);
        app.put("test", 0x20);
        for (int slot = 0; slot < 16; slot++) {
            app.put("ota_" + slot, 0x10 + slot);
        }
        app.put("tee_0", 0x30);
        app.put("tee_1", 0x31);
        Map<String, Integer> data = new LinkedHashMap<>();
        data.put("ota", 0x00);
        data.put("phy", 0x01);
        data.put("nvs", 0x02);
        data.put("coredump", 0x03);
        data.put("nvs_keys", 0x04);
        data.put("efuse", 0x05);
        data.put("undefined", 0x06);
        data.put("esphttpd", 0x80);
        data.put("fat", 0x81);
        data.put("spiffs", 0x82);
        data.put("littlefs", 0x83);
        data.put("tee_ota", 0x90);
        Map<Integer, Map<String, Integer>> subtypes = new LinkedHashMap<>();
        subtypes.put(Partition.TYPE_BOOTLOADER, Collections.unmodifiableMap(bootloader));
        subtypes.put(Partition.TYPE_PARTITION_TABLE, Collections.unmodifiableMap(table));
        subtypes.put(Partition.TYPE_APP, Collections.unmodifiableMap(app));
        subtypes.put(Partition.TYPE_DATA, Collections.unmodifiableMap(data));
        SUBTYPES = Collections.unmodifiableMap(subtypes);
    }

    private PartitionNames() {
    }

    /** Subtype keywords valid for the type (empty for custom types). */
    static Map<String, Integer> subtypes(int type) {
        return SUBTYPES.getOrDefault(type, Map.of());
    }

    /** The first keyword in {@code keywords} with this value, or {@code null}. */
    static String keyword(Map<String, Integer> keywords, int value) {
        for (Map.Entry<String, Integer> e : keywords.entrySet()) {
            if (e.getValue() == value) {
                return e.getKey();
            }
        }
        return null;
    }
}
