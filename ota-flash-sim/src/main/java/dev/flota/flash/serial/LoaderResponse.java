package dev.flota.flash.serial;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A reply packet, device to host: direction {@code 01}, the request's opcode, LE16 data length, LE32 value (the
 * READ_REG result, the SYNC marker), data = payload followed by status bytes. The ROM's status is 4 bytes
 * {@code status, error, 0, 0}; the stub's 2 bytes, a BE16 code. Either way a host reads the 2 bytes after the payload
 * as BE16 ({@link #statusCode(int)}), which makes a ROM error {@code 0x0100 + error} ({@link LoaderErrorCode}).
 *
 * @param opcode the command byte answered
 * @param value  the value field
 * @param data   payload and status, defensively copied
 */
public record LoaderResponse(int opcode, int value, byte[] data) {

    public static final int HEADER_LENGTH = 8;
    public static final int ROM_STATUS_LENGTH = 4;
    public static final int STUB_STATUS_LENGTH = 2;

    public LoaderResponse {
        if (opcode < 0 || opcode > 0xFF) {
            throw new IllegalArgumentException("opcode must be a byte, got " + opcode);
        }
        if (data.length > 0xFFFF) {
            throw new IllegalArgumentException("data longer than 65535 bytes: " + data.length);
        }
        data = data.clone();
    }

    /** A ROM reply: {@code payload}, then {@code status, error, 0, 0}. */
    public static LoaderResponse rom(int opcode, int value, byte[] payload, int status, int error) {
        byte[] data = Arrays.copyOf(payload, payload.length + ROM_STATUS_LENGTH);
        data[payload.length] = (byte) status;
        data[payload.length + 1] = (byte) error;
        return new LoaderResponse(opcode, value, data);
    }

    /** A successful ROM reply. */
    public static LoaderResponse romOk(int opcode, int value, byte[] payload) {
        return rom(opcode, value, payload, 0, 0);
    }

    /** A failed ROM reply, no payload: status 1 and the error byte of {@code code} ({@code 0x01EE}). */
    public static LoaderResponse romError(int opcode, LoaderErrorCode code) {
        if (!code.rom()) {
            throw new IllegalArgumentException(code + " is a stub code");
        }
        return rom(opcode, 0, new byte[0], 1, code.code() & 0xFF);
    }

    /** A stub reply: {@code payload}, then the BE16 {@code code} (0 = ok). */
    public static LoaderResponse stub(int opcode, int value, byte[] payload, int code) {
        byte[] data = Arrays.copyOf(payload, payload.length + STUB_STATUS_LENGTH);
        data[payload.length] = (byte) (code >>> 8);
        data[payload.length + 1] = (byte) code;
        return new LoaderResponse(opcode, value, data);
    }

    public static LoaderResponse stubOk(int opcode, int value, byte[] payload) {
        return stub(opcode, value, payload, 0);
    }

    public static LoaderResponse stubError(int opcode, LoaderErrorCode code) {
        return stub(opcode, 0, new byte[0], code.code());
    }

    /**
     * Reads one reply packet. As both esptool and esptool-js do, the data is everything after the header; the length
     * field is not checked.
     *
     * @throws SerialFormatException {@code SHORT_PACKET} under 8 bytes, {@code BAD_DIRECTION} when byte 0 is not 1
     */
    public static LoaderResponse parse(byte[] packet) {
        if (packet.length < HEADER_LENGTH) {
            throw new SerialFormatException(SerialFormatException.Kind.SHORT_PACKET,
                    "response of " + packet.length + " bytes is shorter than its 8-byte header");
        }
        if (packet[0] != 1) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_DIRECTION,
                    String.format("response direction 0x%02x, expected 0x01", packet[0] & 0xFF));
        }
        return new LoaderResponse(packet[1] & 0xFF, ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN).getInt(4),
                Arrays.copyOfRange(packet, HEADER_LENGTH, packet.length));
    }

    public byte[] encode() {
        return LoaderRequest.packet(1, opcode, value, data);
    }

    /** The framed packet. */
    public byte[] frame() {
        return Slip.encode(encode());
    }

    public Optional<LoaderOpcode> loaderOpcode() {
        return LoaderOpcode.byCode(opcode);
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    /**
     * The BE16 status after a payload of {@code payloadLength} bytes: 0 = ok, else a {@link LoaderErrorCode} code.
     *
     * @throws SerialFormatException {@code BAD_LENGTH} when fewer than 2 bytes follow the payload
     */
    public int statusCode(int payloadLength) {
        if (payloadLength < 0 || data.length < payloadLength + 2) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, String.format(
                    "only got %d byte status response after a %d-byte payload", Math.max(0, data.length
                            - Math.max(payloadLength, 0)), payloadLength));
        }
        return (data[payloadLength] & 0xFF) << 8 | data[payloadLength + 1] & 0xFF;
    }

    /** The first {@code length} data bytes. */
    public byte[] payload(int length) {
        if (length < 0 || length > data.length) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH,
                    "payload of " + length + " bytes expected, the reply has " + data.length);
        }
        return Arrays.copyOf(data, length);
    }

    /**
     * The ROM's "unsupported command" pattern both hosts look for: a failed status whose error byte is 0x05, at the
     * start of the data.
     */
    public boolean unsupportedCommand() {
        return data.length >= 2 && data[0] != 0 && data[1] == 0x05;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoaderResponse r && r.opcode == opcode && r.value == value && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return (opcode * 31 + value) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        String name = loaderOpcode().map(Enum::name).orElse(String.format("0x%02x", opcode));
        String shown = data.length <= 32 ? HexFormat.of().formatHex(data)
                : HexFormat.of().formatHex(data, 0, 32) + "…";
        return "LoaderResponse[" + name + ", value=0x" + Integer.toHexString(value) + ", " + shown + "]";
    }
}
