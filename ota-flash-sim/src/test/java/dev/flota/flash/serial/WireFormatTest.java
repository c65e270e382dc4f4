package dev.flota.flash.serial;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

class WireFormatTest {

    private static byte[] hex(String text) {
        return HexFormat.of().parseHex(text.replace(" ", ""));
    }

    @Test
    void readRegRequestIsTheSpecExampleFrame() {
        LoaderRequest request = LoaderRequest.of(LoaderOpcode.READ_REG, 0x40001000);
        assertThat(request.frame()).isEqualTo(hex("c0 00 0a 0400 00000000 00100040 c0"));
        assertThat(LoaderRequest.parse(request.encode())).isEqualTo(request);
        assertThat(request.word(0)).isEqualTo(0x40001000);
    }

    @Test
    void readRegResponseIsTheSpecExampleFrame() {
        LoaderResponse response = LoaderResponse.romOk(0x0A, 0x00F01D83, new byte[0]);
        assertThat(response.frame()).isEqualTo(hex("c0 01 0a 0400 831df000 00000000 c0"));
        LoaderResponse parsed = LoaderResponse.parse(hex("01 0a 0400 831df000 00000000"));
        assertThat(parsed).isEqualTo(response);
        assertThat(parsed.value()).isEqualTo(0x00F01D83);
        assertThat(parsed.statusCode(0)).isZero();
    }

    @Test
    void syncIsTheSpecFrame() {
        assertThat(LoaderRequest.sync().frame()).isEqualTo(hex("c0 00 08 2400 00000000 07071220"
                + "55".repeat(32) + " c0"));
    }

    @Test
    void slipEscapesC0AndDb() {
        assertThat(Slip.encode(hex("01 c0 02 db 03"))).isEqualTo(hex("c0 01 dbdc 02 dbdd 03 c0"));
        SlipDecoder decoder = new SlipDecoder();
        byte[] frame = hex("c0 01 dbdc 02 dbdd 03 c0");
        assertThat(decoder.feed(frame, 0, frame.length)).singleElement().isEqualTo(hex("01 c0 02 db 03"));
    }

    @Test
    void decoderJoinsSplitFramesAndToleratesDoubleDelimiters() {
        SlipDecoder decoder = new SlipDecoder();
        byte[] wire = hex("c0 0102 db");
        assertThat(decoder.feed(wire, 0, wire.length)).isEmpty();
        assertThat(decoder.inFrame()).isTrue();
        byte[] rest = hex("dc c0 c0 03 c0 c0 c0 04 c0");
        List<byte[]> frames = decoder.feed(rest, 0, rest.length);
        assertThat(frames).containsExactly(hex("0102c0"), hex("03"), hex("04"));
        assertThat(decoder.discardedBytes()).isZero();
    }

    @Test
    void decoderCountsNoiseOutsideFrames() {
        SlipDecoder decoder = new SlipDecoder();
        byte[] wire = "boot:0x3\r\n".getBytes();
        byte[] all = new byte[wire.length + 3];
        System.arraycopy(wire, 0, all, 0, wire.length);
        all[wire.length] = (byte) 0xC0;
        all[wire.length + 1] = 0x07;
        all[wire.length + 2] = (byte) 0xC0;
        assertThat(decoder.feed(all, 0, all.length)).containsExactly(hex("07"));
        assertThat(decoder.discardedBytes()).isEqualTo(wire.length);
    }

    @Test
    void badEscapeIsTypedAndTheDecoderResyncsKeepingGoodFrames() {
        SlipDecoder decoder = new SlipDecoder();
        byte[] wire = hex("c0 01 c0 c0 02 db 41 03 c0 c0 04 c0");
        assertThatThrownBy(() -> decoder.feed(wire, 0, wire.length))
                .isInstanceOfSatisfying(SerialFormatException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SerialFormatException.Kind.BAD_ESCAPE);
                    assertThat(e.completedFrames()).containsExactly(hex("01"), hex("04"));
                    assertThat(e.getMessage()).contains("Invalid SLIP escape");
                });
        byte[] next = hex("c0 05 c0");
        assertThat(decoder.feed(next, 0, next.length)).containsExactly(hex("05"));
    }

    @Test
    void overlongFrameIsRefused() {
        SlipDecoder decoder = new SlipDecoder(4);
        byte[] wire = hex("c0 0102030405 c0 c0 06 c0");
        assertThatThrownBy(() -> decoder.feed(wire, 0, wire.length))
                .isInstanceOfSatisfying(SerialFormatException.class, e -> {
                    assertThat(e.kind()).isEqualTo(SerialFormatException.Kind.FRAME_TOO_LONG);
                    assertThat(e.completedFrames()).containsExactly(hex("06"));
                });
    }

    @Test
    void dataBlockCarriesSubHeaderAndChecksum() {
        byte[] block = {1, 2, 3, (byte) 0xFF};
        LoaderRequest request = LoaderRequest.dataBlock(LoaderOpcode.FLASH_DATA, 7, block);
        assertThat(request.checksum()).isEqualTo(0xEF ^ 1 ^ 2 ^ 3 ^ 0xFF);
        assertThat(request.word(0)).isEqualTo(4);
        assertThat(request.word(1)).isEqualTo(7);
        assertThat(request.word(2)).isZero();
        assertThat(request.block()).isEqualTo(block);
        assertThat(request.blockChecksum()).isEqualTo(request.checksum());
        assertThat(request.encode()).startsWith(hex("00 03 1400")).hasSize(8 + 20);
        assertThat(LoaderRequest.parse(request.encode())).isEqualTo(request);
        assertThat(LoaderRequest.checksum(new byte[0], 0, 0)).isEqualTo(0xEF);
    }

    @Test
    void requestParseErrorsAreTyped() {
        assertThatThrownBy(() -> LoaderRequest.parse(hex("00 08 00")))
                .isInstanceOfSatisfying(SerialFormatException.class,
                        e -> assertThat(e.kind()).isEqualTo(SerialFormatException.Kind.SHORT_PACKET));
        assertThatThrownBy(() -> LoaderRequest.parse(hex("01 0a 0400 00000000 00100040")))
                .isInstanceOfSatisfying(SerialFormatException.class,
                        e -> assertThat(e.kind()).isEqualTo(SerialFormatException.Kind.BAD_DIRECTION));
        assertThatThrownBy(() -> LoaderRequest.parse(hex("00 0a 0500 00000000 00100040")))
                .isInstanceOfSatisfying(SerialFormatException.class,
                        e -> assertThat(e.kind()).isEqualTo(SerialFormatException.Kind.BAD_LENGTH));
        assertThatThrownBy(() -> LoaderRequest.of(LoaderOpcode.SYNC).word(0))
                .isInstanceOfSatisfying(SerialFormatException.class,
                        e -> assertThat(e.kind()).isEqualTo(SerialFormatException.Kind.BAD_LENGTH));
    }

    @Test
    void requestIsImmutable() {
        byte[] data = {1, 2, 3, 4};
        LoaderRequest request = new LoaderRequest(0x0A, 0, data);
        data[0] = 9;
        request.data()[1] = 9;
        assertThat(request.data()).containsExactly(1, 2, 3, 4);
    }

    @Test
    void romAndStubStatusReadAsBe16() {
        LoaderResponse rom = LoaderResponse.romError(0x03, LoaderErrorCode.ROM_CHECKSUM);
        assertThat(rom.data()).containsExactly(1, 7, 0, 0);
        assertThat(rom.statusCode(0)).isEqualTo(0x0107);
        assertThat(LoaderErrorCode.describe(rom.statusCode(0))).isEqualTo("0107: Checksum error");

        LoaderResponse stub = LoaderResponse.stubError(0x11, LoaderErrorCode.BAD_DATA_CHECKSUM);
        assertThat(stub.data()).containsExactly(0xC1, 0);
        assertThat(LoaderErrorCode.describe(stub.statusCode(0))).isEqualTo("C100: Bad data checksum");
        assertThat(LoaderErrorCode.describe(0xC400)).isEqualTo("C400: Failed SPI operation");
        assertThat(LoaderErrorCode.describe(0x1234)).isEqualTo("1234: Unknown result");

        byte[] digest = new byte[16];
        LoaderResponse md5 = LoaderResponse.stubOk(0x13, 0, digest);
        assertThat(md5.payload(16)).isEqualTo(digest);
        assertThat(md5.statusCode(16)).isZero();
        assertThatThrownBy(() -> md5.statusCode(17)).isInstanceOf(SerialFormatException.class);
    }

    @Test
    void unsupportedCommandPattern() {
        LoaderResponse echoed = LoaderResponse.romError(0x14, LoaderErrorCode.ROM_INVALID_FORMAT);
        assertThat(echoed.frame()).isEqualTo(hex("c0 01 14 0400 00000000 01050000 c0"));
        assertThat(echoed.unsupportedCommand()).isTrue();
        assertThat(LoaderResponse.romOk(0x14, 0, new byte[0]).unsupportedCommand()).isFalse();
        assertThat(LoaderResponse.romError(0x14, LoaderErrorCode.ROM_CHECKSUM).unsupportedCommand()).isFalse();
    }

    @Test
    void responseParseIgnoresLengthFieldButChecksDirection() {
        LoaderResponse parsed = LoaderResponse.parse(hex("01 08 ff00 07071220 0000"));
        assertThat(parsed.opcode()).isEqualTo(0x08);
        assertThat(parsed.value()).isEqualTo(0x20120707);
        assertThatThrownBy(() -> LoaderResponse.parse(hex("00 08 0200 07071220 0000")))
                .isInstanceOfSatisfying(SerialFormatException.class,
                        e -> assertThat(e.kind()).isEqualTo(SerialFormatException.Kind.BAD_DIRECTION));
    }

    @Test
    void opcodes() {
        assertThat(LoaderOpcode.byCode(0x02)).contains(LoaderOpcode.FLASH_BEGIN);
        assertThat(LoaderOpcode.byCode(0xD3)).contains(LoaderOpcode.RUN_USER_CODE);
        assertThat(LoaderOpcode.byCode(0x0C)).isEmpty();
        assertThat(LoaderOpcode.values()).filteredOn(LoaderOpcode::carriesChecksum)
                .containsExactlyInAnyOrder(LoaderOpcode.MEM_DATA, LoaderOpcode.FLASH_DATA,
                        LoaderOpcode.FLASH_DEFL_DATA);
        assertThat(LoaderOpcode.READ_FLASH.stubOnly()).isTrue();
        assertThat(LoaderOpcode.READ_FLASH_SLOW.stubOnly()).isFalse();
    }

    @Test
    void securityInfoBothForms() {
        SecurityInfo full = new SecurityInfo(SecurityInfo.SECURE_DOWNLOAD_ENABLE, 3, new byte[] {1, 2, 3, 4, 5, 6, 7},
                java.util.OptionalInt.of(5), java.util.OptionalInt.of(1));
        byte[] encoded = full.encode();
        assertThat(encoded).isEqualTo(hex("04000000 03 01020304050607 05000000 01000000"));
        assertThat(SecurityInfo.parse(encoded)).isEqualTo(full);
        assertThat(SecurityInfo.parse(encoded).secureDownloadEnabled()).isTrue();

        SecurityInfo shortForm = SecurityInfo.openShort();
        assertThat(shortForm.encode()).hasSize(12);
        assertThat(SecurityInfo.parse(shortForm.encode())).isEqualTo(shortForm);
        assertThat(SecurityInfo.parse(shortForm.encode()).chipId()).isEmpty();
        assertThatThrownBy(() -> SecurityInfo.parse(new byte[16])).isInstanceOf(SerialFormatException.class);
    }
}
