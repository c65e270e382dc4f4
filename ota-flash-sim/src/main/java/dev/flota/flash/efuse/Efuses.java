package dev.flota.flash.efuse;

import dev.flota.flash.efuse.EfuseException.Reason;
import dev.flota.flash.image.Chip;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * The eFuse blocks of one chip, as an immutable value: every burn returns a new value, and a burn that would clear a
 * bit (eFuse bits only go from 0 to 1), touch a write-protected field, or not fit is refused with an
 * {@link EfuseException} and burns nothing. Reads go through {@code RD_DIS}: a read-protected block reads as zeros,
 * except for the hardware's own use of a flash-encryption key ({@link SecurityEfuses#flashEncryptionKey()}).
 *
 * <p>Blocks are 256 bits; bit {@code n} of a block is bit {@code n % 8} of byte {@code n / 8} (the little-endian
 * words of the eFuse controller), so a multi-bit field reads as a little-endian number.
 */
public final class Efuses {

    /** BLK0 .. BLK10. */
    public static final int BLOCKS = 11;
    public static final int BLOCK_BITS = 256;
    static final int BLOCK_BYTES = BLOCK_BITS / 8;

    private final EfuseLayout layout;
    private final byte[][] blocks;

    private Efuses(EfuseLayout layout, byte[][] blocks) {
        this.layout = layout;
        this.blocks = blocks;
    }

    /** A chip fresh from the factory as far as the modelled fields go: every bit 0. */
    public static Efuses blank(Chip chip) {
        return new Efuses(EfuseLayout.of(chip), new byte[BLOCKS][BLOCK_BYTES]);
    }

    /** Efuses from raw blocks (as {@link #rawBlocks()} gives them); missing blocks are 0. */
    public static Efuses of(Chip chip, Map<Integer, byte[]> rawBlocks) {
        byte[][] blocks = new byte[BLOCKS][BLOCK_BYTES];
        rawBlocks.forEach((index, bytes) -> {
            if (index < 0 || index >= BLOCKS || bytes.length != BLOCK_BYTES) {
                throw new IllegalArgumentException("eFuse block " + index + " must be 32 bytes, got " + bytes.length);
            }
            blocks[index] = bytes.clone();
        });
        return new Efuses(EfuseLayout.of(chip), blocks);
    }

    public Chip chip() {
        return layout.chip();
    }

    public EfuseLayout layout() {
        return layout;
    }

    /** The security views of these blocks: Secure Boot digests, flash-encryption key and counter, and so on. */
    public SecurityEfuses security() {
        return new SecurityEfuses(this);
    }

    /** The value of a field of up to 64 bits as software reads it (0 when its block is read-protected). */
    public long get(String name) {
        EfuseField field = layout.require(name);
        if (field.bits() > 64) {
            throw new IllegalArgumentException(name + " is " + field.bits() + " bits: read it with bytes()");
        }
        return readProtected(field) ? 0 : number(field);
    }

    public boolean isSet(String name) {
        return get(name) != 0;
    }

    /** A field's bytes as software reads them (zeros when read-protected), least significant byte first. */
    public byte[] bytes(String name) {
        EfuseField field = layout.require(name);
        return readProtected(field) ? new byte[(field.bits() + 7) / 8] : rawBytes(field);
    }

    /** Whether the field's {@code WR_DIS} bit is burned. */
    public boolean writeProtected(String name) {
        EfuseField field = layout.require(name);
        return field.writeDisableBit() >= 0 && bit(0, layout.require("WR_DIS").start() + field.writeDisableBit());
    }

    /** Whether the field's block is read-protected ({@code RD_DIS}). */
    public boolean readProtected(String name) {
        return readProtected(layout.require(name));
    }

    /**
     * Burns {@code value} into a field of up to 64 bits. The new value must keep every bit already set; burning the
     * value the field already holds is a no-op, even when it is write-protected.
     */
    public Efuses burn(String name, long value) {
        EfuseField field = layout.require(name);
        if (field.bits() > 64 || (field.bits() < 64 && value >>> field.bits() != 0)) {
            throw new EfuseException(Reason.VALUE_TOO_WIDE, String.format("0x%x does not fit the %d-bit eFuse %s",
                    value, field.bits(), name));
        }
        byte[] bytes = new byte[(field.bits() + 7) / 8];
        for (int i = 0; i < bytes.length; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        return burnBytes(name, bytes);
    }

    /** Burns the bits of {@code value} (least significant byte first) into a field; the rules of {@link #burn}. */
    public Efuses burnBytes(String name, byte[] value) {
        EfuseField field = layout.require(name);
        int width = (field.bits() + 7) / 8;
        if (value.length != width || field.bits() % 8 != 0 && (value[width - 1] & 0xFF) >> (field.bits() % 8) != 0) {
            throw new EfuseException(Reason.VALUE_TOO_WIDE, text(field, value) + " does not fit the " + field.bits()
                    + "-bit eFuse " + name);
        }
        byte[][] next = copy();
        boolean changed = false;
        for (int i = 0; i < field.bits(); i++) {
            boolean wanted = i / 8 < value.length && (value[i / 8] >> (i % 8) & 1) != 0;
            boolean current = bit(field.block(), field.start() + i);
            if (current && !wanted) {
                throw new EfuseException(Reason.WOULD_CLEAR_BITS, String.format("burning %s to %s would clear bit %d, "
                        + "which is already 1: eFuse bits only go from 0 to 1", name, text(field, value), i));
            }
            if (wanted && !current) {
                int at = field.start() + i;
                next[field.block()][at / 8] |= (byte) (1 << (at % 8));
                changed = true;
            }
        }
        if (!changed) {
            return this;
        }
        if (writeProtected(name)) {
            throw new EfuseException(Reason.WRITE_PROTECTED, name + " is write-protected (WR_DIS bit "
                    + field.writeDisableBit() + ")");
        }
        return new Efuses(layout, next);
    }

    /** Burns the {@code WR_DIS} bit of a field; a field without one is left as is. */
    public Efuses writeProtect(String name) {
        EfuseField field = layout.require(name);
        if (field.writeDisableBit() < 0) {
            return this;
        }
        return burn("WR_DIS", get("WR_DIS") | 1L << field.writeDisableBit());
    }

    /** Burns the {@code RD_DIS} bit of a field's block. */
    public Efuses readProtect(String name) {
        EfuseField field = layout.require(name);
        if (field.readDisableBit() < 0) {
            throw new EfuseException(Reason.NOT_SUPPORTED, name + " cannot be read-protected");
        }
        return burn("RD_DIS", get("RD_DIS") | 1L << field.readDisableBit());
    }

    /** Whether every bit set in {@code earlier} is set here: these eFuses can follow those by burning alone. */
    public boolean keepsEveryBitOf(Efuses earlier) {
        if (earlier.chip() != chip()) {
            return false;
        }
        for (int b = 0; b < BLOCKS; b++) {
            for (int i = 0; i < BLOCK_BYTES; i++) {
                if ((earlier.blocks[b][i] & ~blocks[b][i]) != 0) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The non-zero raw blocks, unaffected by read protection: what the sidecar keeps. */
    public Map<Integer, byte[]> rawBlocks() {
        Map<Integer, byte[]> out = new TreeMap<>();
        for (int i = 0; i < BLOCKS; i++) {
            byte[] block = blocks[i];
            boolean zero = true;
            for (byte b : block) {
                zero &= b == 0;
            }
            if (!zero) {
                out.put(i, block.clone());
            }
        }
        return out;
    }

    /** The field's bytes ignoring read protection: only the hardware (e.g. the flash-encryption engine) sees these. */
    byte[] rawBytes(EfuseField field) {
        byte[] out = new byte[(field.bits() + 7) / 8];
        for (int i = 0; i < field.bits(); i++) {
            if (bit(field.block(), field.start() + i)) {
                out[i / 8] |= (byte) (1 << (i % 8));
            }
        }
        return out;
    }

    private long number(EfuseField field) {
        return new BigInteger(1, reversed(rawBytes(field))).longValue();
    }

    private boolean readProtected(EfuseField field) {
        if (field.readDisableBit() < 0) {
            return false;
        }
        EfuseField rdDis = layout.require("RD_DIS");
        return bit(0, rdDis.start() + field.readDisableBit());
    }

    private boolean bit(int block, int index) {
        return (blocks[block][index / 8] >> (index % 8) & 1) != 0;
    }

    private byte[][] copy() {
        byte[][] next = new byte[BLOCKS][];
        for (int i = 0; i < BLOCKS; i++) {
            next[i] = blocks[i].clone();
        }
        return next;
    }

    private static String text(EfuseField field, byte[] value) {
        return field.isBytes() ? HexFormat.of().formatHex(value) : "0x" + new BigInteger(1, reversed(value))
                .toString(16);
    }

    static byte[] reversed(byte[] bytes) {
        byte[] out = new byte[bytes.length];
        for (int i = 0; i < bytes.length; i++) {
            out[i] = bytes[bytes.length - 1 - i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Efuses other && other.layout.chip() == layout.chip()
                && Arrays.deepEquals(other.blocks, blocks);
    }

    @Override
    public int hashCode() {
        return 31 * layout.chip().hashCode() + Arrays.deepHashCode(blocks);
    }

    @Override
    public String toString() {
        return "Efuses[" + layout.chip().esptoolName() + ", blocks " + rawBlocks().keySet() + "]";
    }
}
