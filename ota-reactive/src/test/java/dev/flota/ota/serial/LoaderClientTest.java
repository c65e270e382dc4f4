package dev.flota.ota.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.flota.flash.serial.LoaderErrorCode;
import dev.flota.flash.serial.LoaderOpcode;
import dev.flota.flash.serial.LoaderRequest;
import dev.flota.flash.serial.LoaderResponse;
import java.io.ByteArrayOutputStream;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How replies are matched and read: esptool's rules (§1.3, §1.5 of the loader reference) on scripted replies. */
class LoaderClientTest {

    private static final LoaderTimeouts FAST = LoaderTimeouts.esptool().withCommand(Duration.ofMillis(50));
    private static final LoaderRequest READ_MAGIC = LoaderRequest.of(LoaderOpcode.READ_REG, 0x40001000);

    @Test
    void aRomReplyGivesTheValueAndAFailureEsptoolsText() {
        LoaderClient ok = client(r -> LoaderResponse.romOk(r.opcode(), 0x00F01D83, new byte[0]).frame());
        assertThat(ok.readReg(0x40001000L)).isEqualTo(0x00F01D83);

        LoaderClient failing = client(r -> LoaderResponse.romError(r.opcode(), LoaderErrorCode.ROM_CHECKSUM).frame());
        assertThatThrownBy(() -> failing.command(READ_MAGIC, "write to target flash after seq 0"))
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.FAILED))
                .hasMessageContaining("Failed to write to target flash after seq 0 (result was 0107: Checksum error)");
    }

    @Test
    void aStubStatusIsReadRightAfterThePayload() {
        LoaderClient client = client(r -> LoaderResponse.stubError(r.opcode(), LoaderErrorCode.BAD_DATA_CHECKSUM)
                .frame());
        assertThatThrownBy(() -> client.command(READ_MAGIC, "write compressed data to flash after seq 0"))
                .hasMessageContaining("(result was C100: Bad data checksum)");
        LoaderClient md5 = client(r -> LoaderResponse.stubOk(r.opcode(), 0, new byte[16]).frame());
        assertThat(md5.command(READ_MAGIC, 16, FAST.command(), "calculate md5sum").payload(16)).hasSize(16);
        assertThatThrownBy(() -> md5.command(READ_MAGIC, 32, FAST.command(), "calculate md5sum"))
                .hasMessageContaining("Failed to calculate md5sum. Only got");
    }

    @Test
    void foreignFramesAreSkippedAndTheUnsupportedPatternIsTyped() {
        LoaderClient client = client(r -> concat(LoaderResponse.romOk(0x08, 1, new byte[0]).frame(),
                new byte[] {(byte) 0xC0, 1, 2, (byte) 0xC0}, LoaderResponse.romOk(r.opcode(), 7, new byte[0]).frame()));
        assertThat(client.readReg(0)).isEqualTo(7);

        LoaderClient rom = client(r -> LoaderResponse.rom(0x00, 0, new byte[0], 1, 5).frame());
        assertThatThrownBy(() -> rom.command(LoaderRequest.of(LoaderOpcode.GET_SECURITY_INFO, new byte[0]),
                "get security info")).isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.UNSUPPORTED))
                .hasMessageContaining("Invalid (unsupported) command 0x14");
    }

    @Test
    void silenceIsATimeoutAndAClosedPeerALinkFailure() {
        LoaderClient silent = client(r -> null);
        assertThatThrownBy(() -> silent.readReg(0)).isInstanceOfSatisfying(LoaderException.class,
                e -> assertThat(e.reason()).isEqualTo(LoaderException.Reason.TIMEOUT))
                .hasMessageContaining("timed out waiting for packet header");
        ScriptedLink link = new ScriptedLink(r -> null);
        link.closeByPeer();
        LoaderClient closed = new LoaderClient(link, FAST);
        assertThatThrownBy(() -> closed.readReg(0)).isInstanceOfSatisfying(LoaderException.class,
                e -> assertThat(e.reason()).isEqualTo(LoaderException.Reason.LINK_CLOSED));
    }

    @Test
    void aBadEscapeOrNoiseAfterSyncIsGarbled() {
        LoaderClient escape = client(r -> new byte[] {(byte) 0xC0, 1, 0x0A, (byte) 0xDB, 0x01, (byte) 0xC0});
        assertThatThrownBy(() -> escape.readReg(0)).isInstanceOfSatisfying(LoaderException.class,
                e -> assertThat(e.reason()).isEqualTo(LoaderException.Reason.GARBLED))
                .hasMessageContaining("Invalid SLIP escape");

        ScriptedLink link = new ScriptedLink(r -> concat("rst:0x1 boot banner".getBytes(),
                LoaderResponse.romOk(r.opcode(), 3, new byte[0]).frame()));
        LoaderClient client = new LoaderClient(link, FAST);
        assertThat(client.readReg(0)).isEqualTo(3);
        client.strict();
        assertThatThrownBy(() -> client.readReg(0)).isInstanceOfSatisfying(LoaderException.class,
                e -> assertThat(e.reason()).isEqualTo(LoaderException.Reason.GARBLED))
                .hasMessageContaining("Possible serial noise or corruption");
    }

    @Test
    void syncReadsEightRepliesAndTellsTheStubByZeroValues() {
        assertThat(client(r -> repeat(LoaderResponse.romOk(8, 0x20120707, new byte[0]).frame(), 8)).sync()).isFalse();
        assertThat(client(r -> repeat(LoaderResponse.stubOk(8, 0, new byte[0]).frame(), 8)).sync()).isTrue();
        assertThatThrownBy(() -> client(r -> repeat(LoaderResponse.romOk(8, 1, new byte[0]).frame(), 7)).sync())
                .isInstanceOfSatisfying(LoaderException.class, e -> assertThat(e.reason())
                        .isEqualTo(LoaderException.Reason.TIMEOUT));
    }

    private static LoaderClient client(java.util.function.Function<LoaderRequest, byte[]> responder) {
        return new LoaderClient(new ScriptedLink(responder), FAST);
    }

    private static byte[] repeat(byte[] frame, int times) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < times; i++) {
            out.writeBytes(frame);
        }
        return out.toByteArray();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }
}
