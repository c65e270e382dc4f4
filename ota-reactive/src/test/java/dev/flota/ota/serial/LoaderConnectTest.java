package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderResponse;
import dev.flota.flash.serial.SecurityInfo;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/** What connecting tells a user whose chip does not answer as a chip in download mode would (§5.2, §2.1). */
class LoaderConnectTest {

    private static final LoaderTimeouts FAST = new LoaderTimeouts(Duration.ofMillis(20), Duration.ofMillis(2),
            Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(20), Duration.ofMillis(20));

    @Test
    void aChipThatBootedItsAppIsInTheWrongBootMode() {
        ScriptedLink link = new ScriptedLink(r -> null).withResetBanner(
                "ets Jun  8 2016 00:22:57\r\nrst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n");
        assertThatThrownBy(() -> LoaderConnect.connect(link, FAST, Optional.empty(), 115200, true, d -> { }))
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.NO_SYNC))
                .hasMessageContaining("Wrong boot mode detected (0x13)! The chip needs to be in download mode");
    }

    @Test
    void aChipInDownloadModeThatDoesNotAnswerHasNoTxPath() {
        ScriptedLink link = new ScriptedLink(r -> null).withResetBanner("rst:0x1 (POWERON_RESET),boot:0x3 "
                + "(DOWNLOAD_BOOT(UART0/UART1/SDIO_REI_REO_V2))\r\nwaiting for download\r\n");
        assertThatThrownBy(() -> LoaderConnect.connect(link, FAST, Optional.empty(), 115200, true, d -> { }))
                .hasMessageContaining("Download mode successfully detected, but getting no sync reply");
    }

    @Test
    void secureDownloadModeIsRefusedWithItsName() {
        SecurityInfo secured = new SecurityInfo(SecurityInfo.SECURE_DOWNLOAD_ENABLE, 0, new byte[7], OptionalInt.of(5),
                OptionalInt.of(0));
        ScriptedLink link = new ScriptedLink(r -> {
            if (r.opcode() == LoaderOpcode.SYNC.code()) {
                ByteArrayOutputStream eight = new ByteArrayOutputStream();
                for (int i = 0; i < 8; i++) {
                    eight.writeBytes(LoaderResponse.romOk(r.opcode(), 0x20120707, new byte[0]).frame());
                }
                return eight.toByteArray();
            }
            return LoaderResponse.romOk(r.opcode(), 0, secured.encode()).frame();
        });
        assertThatThrownBy(() -> LoaderConnect.connect(link, FAST, Optional.empty(), 115200, true, d -> { }))
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.SECURE_DOWNLOAD_MODE))
                .hasMessageContaining("Secure Download Mode");
    }
}
