package dev.flota.flash.loader;

import static dev.flota.flash.testing.EsptoolJsOperation.connect;
import static dev.flota.flash.testing.EsptoolJsOperation.securityInfo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.efuse.KeyPurpose;
import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.EsptoolJs;
import dev.flota.flash.testing.EsptoolJsResult;
import java.util.List;
import org.junit.jupiter.api.Test;

/** esptool-js 0.7.0 decodes the simulated ROM's GET_SECURITY_INFO of burned eFuses as it would a chip's. */
class EsptoolJsSecurityInfoTest {

    @Test
    void esptoolJsReadsTheBurnedSecurityState() throws Exception {
        EsptoolJs esptool = EsptoolJs.require();
        Efuses efuses = Efuses.blank(Chip.ESP32_C3).security().burnFlashEncryptionKey(Devices.random(32, 3))
                .security().burnCryptCnt(1).burn("SECURE_BOOT_EN", 1).burn("SECURE_BOOT_KEY_REVOKE0", 1)
                .burn("DIS_PAD_JTAG", 1).burn("DIS_DOWNLOAD_ICACHE", 1);
        LoaderDevice device = ReleaseModeLoaderTest.loader(Chip.ESP32_C3, 4, efuses);
        EsptoolJsResult result;
        try (LoaderServer served = LoaderServer.start(device)) {
            result = esptool.run("127.0.0.1", served.port(), List.of(connect(), securityInfo()));
        }
        result.orThrow();
        assertThat(result.step("connect").text("chip")).isEqualTo("ESP32-C3");
        EsptoolJsResult.Step info = result.step("securityInfo");
        assertThat(info.list("parsedFlags")).containsExactlyInAnyOrder("SECURE_BOOT_EN", "SECURE_BOOT_KEY_REVOKE0",
                "HARD_DIS_JTAG", "DIS_DOWNLOAD_ICACHE");
        assertThat(info.number("flashCryptCnt")).isEqualTo(1);
        assertThat(info.list("keyPurposes")).containsExactly(
                (long) KeyPurpose.XTS_AES_128_KEY.value(), 0L, 0L, 0L, 0L, 0L, 0L);
        assertThat(info.number("chipId")).isEqualTo(Chip.ESP32_C3.id());
    }
}
