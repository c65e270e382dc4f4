package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The stub JSON esptool and esptool-js ship, read by its keys; nothing Espressif's is in the test. */
class StubImageTest {

    @Test
    void readsTheSegmentsAndAddressesAndIgnoresOtherKeys() {
        StubImage stub = StubImage.parse("""
                {"entry": 1074434164, "text": "AQID", "text_start": 1074429952,
                 "data": "BAU=", "data_start": 1073605992, "bss_start": 1073604608,
                 "plugin": {"nested": [1, 2.5, true, null, "x\\u0041"]}}
                """);
        assertThat(stub.text()).containsExactly(1, 2, 3);
        assertThat(stub.data()).containsExactly(4, 5);
        assertThat(stub.textStart()).isEqualTo(0x400A8000L);
        assertThat(stub.dataStart()).isEqualTo(0x3FFDED68L);
        assertThat(stub.entry()).isEqualTo(0x400A9074L);
        assertThat(StubImage.parse(stub.toJson())).isEqualTo(stub);
    }

    @Test
    void readsTheStubsEsptoolJsShipsWhenInstalled() throws Exception {
        String install = System.getenv("FLOTA_ESPTOOL_JS");
        Path root = install != null ? Path.of(install) : Path.of(System.getProperty("user.home"),
                ".cache/flota/esptool-js-0.7.0");
        Path dir = root.resolve("node_modules/esptool-js/lib/targets/stub_flasher");
        assumeTrue(Files.isDirectory(dir), "esptool-js 0.7.0 is not installed in " + dir
                + ": its stub files are not read (SKIPPED)");
        StubImage esp32 = StubImage.read(dir.resolve("esp32.json"));
        assertThat(esp32.text()).hasSize(6456);
        assertThat(esp32.entry()).isEqualTo(0x400A902CL);
        assertThat(esp32.textStart()).isEqualTo(0x400A8000L);
        try (var files = Files.list(dir)) {
            assertThat(files.filter(f -> f.toString().endsWith(".json"))).allSatisfy(f -> assertThat(
                    StubImage.read(f).text()).isNotEmpty());
        }
    }

    @Test
    void aFileWithoutCodeOrEntryIsRefused() {
        assertThatThrownBy(() -> StubImage.parse("{\"text_start\": 1, \"entry\": 2}"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("\"text\"");
        assertThatThrownBy(() -> StubImage.parse("{\"text\": \"AQID\", \"text_start\": 1}"))
                .hasMessageContaining("\"entry\"");
        assertThatThrownBy(() -> StubImage.parse("{\"text\": \"AQID\", \"text_start\": 1, \"entry\": 2"))
                .hasMessageContaining("not JSON", "end-of-input");
        assertThatThrownBy(() -> StubImage.parse("[1]")).hasMessageContaining("not an object");
    }
}
