package dev.flota.flash.otadata;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Optional;

/**
 * One {@code esp_ota_select_entry_t} (32 bytes): the OTA sequence number that selects the boot slot, the unused
 * {@code seq_label}, the rollback state and a CRC over the sequence number only.
 *
 * @param seq      {@code ota_seq}, unsigned 32-bit (0xFFFFFFFF = erased)
 * @param seqLabel the 20 {@code seq_label} bytes (copied in and out)
 * @param state    {@code ota_state}, raw unsigned 32-bit; see {@link OtaImgState}
 * @param crc      the stored CRC, unsigned 32-bit
 */
public record OtaSelectEntry(long seq, byte[] seqLabel, long state, long crc) {

    public static final int SIZE = 32;
    public static final int LABEL_SIZE = 20;
    private static final long U32 = 0xFFFFFFFFL;
    private static final byte[] ERASED_LABEL = filled(LABEL_SIZE);

    /** An erased entry: all 0xFF. */
    public static final OtaSelectEntry ERASED = new OtaSelectEntry(U32, ERASED_LABEL, U32, U32);

    public OtaSelectEntry {
        if (seqLabel.length != LABEL_SIZE) {
            throw new IllegalArgumentException("seq_label must be 20 bytes, got " + seqLabel.length);
        }
        if ((seq & ~U32) != 0 || (state & ~U32) != 0 || (crc & ~U32) != 0) {
            throw new IllegalArgumentException("seq, state and crc are unsigned 32-bit values");
        }
        seqLabel = seqLabel.clone();
    }

    /** An entry with this sequence number and state, label left 0xFF and a correct CRC. */
    public static OtaSelectEntry of(long seq, OtaImgState state) {
        return new OtaSelectEntry(seq, ERASED_LABEL, state.raw(), EspCrc32.otaSeqCrc(seq));
    }

    /** Reads the 32 bytes at {@code offset}. */
    public static OtaSelectEntry parse(byte[] data, int offset) {
        if (offset < 0 || data.length - offset < SIZE) {
            throw new OtaDataException("otadata entry needs 32 bytes at offset " + offset + ", have "
                    + Math.max(0, data.length - offset));
        }
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        return new OtaSelectEntry(Integer.toUnsignedLong(in.getInt(offset)),
                Arrays.copyOfRange(data, offset + 4, offset + 4 + LABEL_SIZE),
                Integer.toUnsignedLong(in.getInt(offset + 24)), Integer.toUnsignedLong(in.getInt(offset + 28)));
    }

    public byte[] encode() {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).putInt((int) seq).put(seqLabel)
                .putInt((int) state).putInt((int) crc).array();
    }

    @Override
    public byte[] seqLabel() {
        return seqLabel.clone();
    }

    public boolean crcValid() {
        return crc == EspCrc32.otaSeqCrc(seq);
    }

    /** {@code bootloader_common_ota_select_invalid}: erased sequence, or state INVALID or ABORTED (CRC ignored). */
    public boolean isInvalid() {
        return seq == U32 || state == OtaImgState.INVALID.raw() || state == OtaImgState.ABORTED.raw();
    }

    /** {@code bootloader_common_ota_select_valid}: not invalid and the CRC matches. */
    public boolean isValid() {
        return !isInvalid() && crcValid();
    }

    public Optional<OtaImgState> knownState() {
        return OtaImgState.fromRaw(state);
    }

    /** The state name, or hex for a value outside {@link OtaImgState}. */
    public String stateName() {
        return OtaImgState.describe(state);
    }

    /** The same entry with another state; the CRC is unchanged as it covers only the sequence number. */
    public OtaSelectEntry withState(OtaImgState newState) {
        return new OtaSelectEntry(seq, seqLabel, newState.raw(), crc);
    }

    /** The entry as {@code esp_rewrite_ota_data} writes it: new sequence and state, CRC recomputed, label kept. */
    public OtaSelectEntry rewritten(long newSeq, OtaImgState newState) {
        return new OtaSelectEntry(newSeq, seqLabel, newState.raw(), EspCrc32.otaSeqCrc(newSeq));
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof OtaSelectEntry e && e.seq == seq && e.state == state && e.crc == crc
                && Arrays.equals(e.seqLabel, seqLabel);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(seq) * 31 + Arrays.hashCode(seqLabel) * 17 + Long.hashCode(state) * 7
                + Long.hashCode(crc);
    }

    @Override
    public String toString() {
        return String.format("OtaSelectEntry[seq=0x%x, state=%s, crc=0x%08x%s, seqLabel=%s]", seq, stateName(), crc,
                crcValid() ? "" : " (bad)", HexFormat.of().formatHex(seqLabel));
    }

    private static byte[] filled(int length) {
        byte[] bytes = new byte[length];
        Arrays.fill(bytes, (byte) 0xFF);
        return bytes;
    }
}
