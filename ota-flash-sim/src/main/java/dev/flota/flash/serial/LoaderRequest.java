package dev.flota.flash.serial;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * A command packet, host to device: direction {@code 00}, opcode, LE16 data length, LE32 checksum (only checked for
 * {@link LoaderOpcode#carriesChecksum()} commands, 0 otherwise), data. Data is mostly LE32 words ({@link #word(int)});
 * the data commands carry a 16-byte sub-header {@code len, seq, 0, 0} and then the block ({@link #block()}).
 *
 * @param opcode   the command byte (kept as an int so that unknown commands can be represented and answered)
 * @param checksum the checksum field
 * @param data     the data, defensively copied
 */
public record LoaderRequest(int opcode, int checksum, byte[] data) {

    public static final int HEADER_LENGTH = 8;
    /** The {@code len, seq, 0, 0} sub-header of FLASH_DATA, FLASH_DEFL_DATA and MEM_DATA. */
    public static final int BLOCK_HEADER_LENGTH = 16;
    /** The seed of {@link #checksum(byte[], int, int)}. */
    public static final int CHECKSUM_SEED = 0xEF;

    public LoaderRequest {
        if (opcode < 0 || opcode > 0xFF) {
            throw new IllegalArgumentException("opcode must be a byte, got " + opcode);
        }
        if (data.length > 0xFFFF) {
            throw new IllegalArgumentException("data longer than 65535 bytes: " + data.length);
        }
        data = data.clone();
    }

    /** A command whose data is {@code words} as LE32, checksum 0. */
    public static LoaderRequest of(LoaderOpcode opcode, int... words) {
        ByteBuffer buffer = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int word : words) {
            buffer.putInt(word);
        }
        return new LoaderRequest(opcode.code(), 0, buffer.array());
    }

    /** SYNC: {@code 07 07 12 20} and 32 × {@code 55}, from which the ROM also detects the baud rate. */
    public static LoaderRequest sync() {
        byte[] data = new byte[36];
        data[0] = 0x07;
        data[1] = 0x07;
        data[2] = 0x12;
        data[3] = 0x20;
        Arrays.fill(data, 4, 36, (byte) 0x55);
        return new LoaderRequest(LoaderOpcode.SYNC.code(), 0, data);
    }

    /** A command with raw data, checksum 0. */
    public static LoaderRequest of(LoaderOpcode opcode, byte[] data) {
        return new LoaderRequest(opcode.code(), 0, data);
    }

    /** A FLASH_DATA / FLASH_DEFL_DATA / MEM_DATA packet: sub-header {@code len, seq, 0, 0}, the block, its checksum. */
    public static LoaderRequest dataBlock(LoaderOpcode opcode, int seq, byte[] block) {
        ByteBuffer buffer = ByteBuffer.allocate(BLOCK_HEADER_LENGTH + block.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.putInt(block.length).putInt(seq).putInt(0).putInt(0).put(block);
        return new LoaderRequest(opcode.code(), checksum(block, 0, block.length), buffer.array());
    }

    /** {@code 0xEF} XOR every byte: the checksum of a data block. */
    public static int checksum(byte[] bytes, int offset, int length) {
        int value = CHECKSUM_SEED;
        for (int i = offset; i < offset + length; i++) {
            value ^= bytes[i] & 0xFF;
        }
        return value;
    }

    /**
     * Reads one request packet (a SLIP frame's content).
     *
     * @throws SerialFormatException {@code SHORT_PACKET} under 8 bytes, {@code BAD_DIRECTION} when byte 0 is not 0,
     *                               {@code BAD_LENGTH} when the length field is not the data length
     */
    public static LoaderRequest parse(byte[] packet) {
        if (packet.length < HEADER_LENGTH) {
            throw new SerialFormatException(SerialFormatException.Kind.SHORT_PACKET,
                    "request of " + packet.length + " bytes is shorter than its 8-byte header");
        }
        if (packet[0] != 0) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_DIRECTION,
                    String.format("request direction 0x%02x, expected 0x00", packet[0] & 0xFF));
        }
        ByteBuffer buffer = ByteBuffer.wrap(packet).order(ByteOrder.LITTLE_ENDIAN);
        int length = buffer.getShort(2) & 0xFFFF;
        if (length != packet.length - HEADER_LENGTH) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, String.format(
                    "request length field %d, but %d data bytes", length, packet.length - HEADER_LENGTH));
        }
        return new LoaderRequest(packet[1] & 0xFF, buffer.getInt(4),
                Arrays.copyOfRange(packet, HEADER_LENGTH, packet.length));
    }

    /** The packet, ready for {@link Slip#encode(byte[])}. */
    public byte[] encode() {
        return packet(0, opcode, checksum, data);
    }

    /** The 8-byte header both directions share (direction, opcode, length, a 32-bit word), then {@code data}. */
    static byte[] packet(int direction, int opcode, int word, byte[] data) {
        ByteBuffer buffer = ByteBuffer.allocate(HEADER_LENGTH + data.length).order(ByteOrder.LITTLE_ENDIAN);
        buffer.put((byte) direction).put((byte) opcode).putShort((short) data.length).putInt(word).put(data);
        return buffer.array();
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

    public int length() {
        return data.length;
    }

    /**
     * Data word {@code i} (LE32).
     *
     * @throws SerialFormatException {@code BAD_LENGTH} when the data is too short
     */
    public int word(int i) {
        if (i < 0 || data.length < (i + 1) * 4) {
            throw new SerialFormatException(SerialFormatException.Kind.BAD_LENGTH, String.format(
                    "word %d is beyond the %d data bytes of command 0x%02x", i, data.length, opcode));
        }
        return ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).getInt(i * 4);
    }

    /** The bytes after the 16-byte sub-header of a data command (empty when shorter). */
    public byte[] block() {
        return data.length <= BLOCK_HEADER_LENGTH ? new byte[0]
                : Arrays.copyOfRange(data, BLOCK_HEADER_LENGTH, data.length);
    }

    /** The checksum of {@link #block()}, to compare with {@link #checksum()}. */
    public int blockChecksum() {
        return data.length <= BLOCK_HEADER_LENGTH ? CHECKSUM_SEED
                : checksum(data, BLOCK_HEADER_LENGTH, data.length - BLOCK_HEADER_LENGTH);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LoaderRequest r && r.opcode == opcode && r.checksum == checksum
                && Arrays.equals(r.data, data);
    }

    @Override
    public int hashCode() {
        return (opcode * 31 + checksum) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        String name = loaderOpcode().map(Enum::name).orElse(String.format("0x%02x", opcode));
        String shown = data.length <= 32 ? HexFormat.of().formatHex(data)
                : HexFormat.of().formatHex(data, 0, 32) + "…";
        return "LoaderRequest[" + name + ", checksum=0x" + Integer.toHexString(checksum) + ", " + data.length
                + " bytes " + shown + "]";
    }
}
