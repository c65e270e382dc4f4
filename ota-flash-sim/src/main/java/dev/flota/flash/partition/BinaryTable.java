package dev.flota.flash.partition;

import dev.flota.flash.partition.PartitionTable.ParseReport;
import dev.flota.flash.partition.PartitionTable.ParseReport.Md5Status;
import dev.flota.flash.partition.PartitionTableException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** The 32-byte entry codec and the device's table walk. */
final class BinaryTable {

    static final int ENTRY = 32;
    static final int MAX_ENTRIES = PartitionTable.MAX_LENGTH / ENTRY;
    private static final int MAGIC = 0x50AA;
    private static final int MAGIC_MD5 = 0xEBEB;
    private static final int MAGIC_END = 0xFFFF;

    private BinaryTable() {
    }

    static ParseReport read(byte[] binary) {
        ByteBuffer in = ByteBuffer.wrap(binary).order(ByteOrder.LITTLE_ENDIAN);
        List<Partition> partitions = new ArrayList<>();
        Md5Status md5 = Md5Status.ABSENT;
        for (int index = 0; index < MAX_ENTRIES; index++) {
            int at = index * ENTRY;
            if (binary.length < at + ENTRY) {
                throw new PartitionTableException(Reason.TRUNCATED, String.format(
                        "partition table truncated: %d bytes end inside entry %d before the end marker",
                        binary.length, index));
            }
            int magic = in.getShort(at) & 0xFFFF;
            int type = binary[at + 2] & 0xFF;
            int subtype = binary[at + 3] & 0xFF;
            if (magic == MAGIC) {
                partitions.add(entry(in, binary, at, type, subtype));
            } else if (magic == MAGIC_MD5) {
                if (md5 != Md5Status.ABSENT) {
                    throw new PartitionTableException(Reason.DUPLICATE_MD5,
                            "partition " + index + ": only one MD5 checksum entry is allowed");
                }
                byte[] stored = Arrays.copyOfRange(binary, at + 16, at + ENTRY);
                md5 = MessageDigest.isEqual(stored, md5(binary, at)) ? Md5Status.VALID : Md5Status.MISMATCH;
            } else if (magic == MAGIC_END && type == 0xFF && subtype == 0xFF) {
                return new ParseReport(new PartitionTable(partitions, md5 != Md5Status.ABSENT), md5);
            } else {
                throw new PartitionTableException(Reason.BAD_MAGIC,
                        String.format("partition %d invalid magic number 0x%x", index, magic));
            }
        }
        throw new PartitionTableException(Reason.MISSING_END_MARKER,
                "partition table has no terminating entry within 0xC00 bytes, not valid");
    }

    private static Partition entry(ByteBuffer in, byte[] binary, int at, int type, int subtype) {
        long offset = Integer.toUnsignedLong(in.getInt(at + 4));
        long size = Integer.toUnsignedLong(in.getInt(at + 8));
        int labelEnd = at + 12;
        while (labelEnd < at + 28 && binary[labelEnd] != 0) {
            labelEnd++;
        }
        String label = new String(binary, at + 12, labelEnd - (at + 12), StandardCharsets.UTF_8);
        int flags = in.getInt(at + 28);
        return new Partition(label, type, subtype, offset, size, (flags & 1) != 0, (flags & 2) != 0);
    }

    static byte[] write(PartitionTable table, boolean withMd5) {
        int entries = table.partitions().size() + (withMd5 ? 1 : 0);
        if ((long) entries * ENTRY >= PartitionTable.MAX_LENGTH) {
            throw new PartitionTableException(Reason.TABLE_TOO_LONG, String.format(
                    "Binary partition table length (%d) longer than max", entries * ENTRY));
        }
        byte[] out = new byte[PartitionTable.MAX_LENGTH];
        Arrays.fill(out, (byte) 0xFF);
        ByteBuffer buf = ByteBuffer.wrap(out).order(ByteOrder.LITTLE_ENDIAN);
        for (Partition p : table.partitions()) {
            buf.putShort((short) MAGIC).put((byte) p.type()).put((byte) p.subtype())
                    .putInt((int) p.offset()).putInt((int) p.size())
                    .put(PartitionTable.labelBytes(p.label())).putInt(p.flags());
        }
        if (withMd5) {
            int at = buf.position();
            buf.put((byte) 0xEB).put((byte) 0xEB);
            buf.position(at + 16);
            buf.put(md5(out, at));
        }
        return out;
    }

    private static byte[] md5(byte[] data, int length) {
        try {
            MessageDigest digest = MessageDigest.getInstance("MD5");
            digest.update(data, 0, length);
            return digest.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("MD5 is a mandatory JDK algorithm", e);
        }
    }
}
