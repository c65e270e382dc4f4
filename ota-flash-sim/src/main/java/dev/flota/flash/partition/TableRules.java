package dev.flota.flash.partition;

import dev.flota.flash.partition.PartitionTableException.Reason;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** gen_esp32part.py v1.5's {@code verify()} checks, in its order, with its messages. */
final class TableRules {

    private static final long NVS_RW_MIN_SIZE = 0x3000;
    private static final long OTADATA_SIZE = 0x2000;

    private TableRules() {
    }

    static void verify(List<Partition> partitions, long tableOffset) {
        partitions.forEach(TableRules::verifyEntry);
        Set<String> seen = new HashSet<>();
        for (Partition p : partitions) {
            if (!seen.add(p.label())) {
                throw new PartitionTableException(Reason.DUPLICATE_NAME,
                        "Partition names must be unique (duplicate '" + p.label() + "')");
            }
        }
        long tableEnd = tableOffset + PartitionTable.SECTOR_SIZE;
        Partition last = null;
        for (Partition p : partitions.stream().sorted(Comparator.comparingLong(Partition::offset)).toList()) {
            if (p.offset() < tableEnd && !isPrimary(p)) {
                throw new PartitionTableException(Reason.OVERLAP,
                        String.format("Partition offset 0x%x is below 0x%x", p.offset(), tableEnd));
            }
            if (last != null && p.offset() < last.end()) {
                throw new PartitionTableException(Reason.OVERLAP, String.format(
                        "Partition at 0x%x overlaps 0x%x-0x%x", p.offset(), last.offset(), last.end() - 1));
            }
            last = p;
        }
        checkOtadata(partitions, Partition.SUBTYPE_DATA_OTA, "otadata", "ota");
        checkOtadata(partitions, Partition.SUBTYPE_DATA_TEE_OTA, "TEE otadata", "tee_ota");
    }

    private static void verifyEntry(Partition p) {
        long offsetAlign = p.type() == Partition.TYPE_APP ? 0x10000 : 0x1000;
        if (p.offset() % offsetAlign != 0) {
            throw invalid(p, Reason.MISALIGNED,
                    String.format("Offset 0x%x is not aligned to 0x%x", p.offset(), offsetAlign));
        }
        if (p.type() == Partition.TYPE_APP && p.size() % 0x1000 != 0) {
            throw invalid(p, Reason.MISALIGNED, String.format("Size 0x%x is not aligned to 0x1000", p.size()));
        }
        boolean alwaysWritten = p.subtype() == Partition.SUBTYPE_DATA_OTA
                || p.subtype() == Partition.SUBTYPE_DATA_COREDUMP;
        if (p.type() == Partition.TYPE_DATA && alwaysWritten && p.readonly()) {
            throw invalid(p, Reason.READONLY_NOT_ALLOWED, String.format(
                    "'%s' partition of type %d and subtype %d is always read-write and cannot be read-only",
                    p.label(), p.type(), p.subtype()));
        }
        if (p.type() == Partition.TYPE_DATA && p.subtype() == Partition.SUBTYPE_DATA_NVS
                && p.size() < NVS_RW_MIN_SIZE && !p.readonly()) {
            throw invalid(p, Reason.NVS_TOO_SMALL, String.format(
                    "'%s' partition of type %d and subtype %d of this size (0x%x) must be flagged as 'readonly' "
                            + "(the size of read/write NVS has to be at least 0x%x)",
                    p.label(), p.type(), p.subtype(), p.size(), NVS_RW_MIN_SIZE));
        }
    }

    private static void checkOtadata(List<Partition> partitions, int subtype, String what, String keyword) {
        List<Partition> found = partitions.stream()
                .filter(p -> p.type() == Partition.TYPE_DATA && p.subtype() == subtype).toList();
        if (found.size() > 1) {
            throw new PartitionTableException(Reason.MULTIPLE_OTADATA, String.format(
                    "Found multiple %s partitions. Only one partition can be defined with type=\"data\"(1) and "
                            + "subtype=\"%s\"(0x%x).", what, keyword, subtype));
        }
        if (found.size() == 1 && found.get(0).size() != OTADATA_SIZE) {
            throw new PartitionTableException(Reason.OTADATA_SIZE, what + " partition must have size = 0x2000");
        }
    }

    static boolean isPrimary(Partition p) {
        return (p.type() == Partition.TYPE_BOOTLOADER || p.type() == Partition.TYPE_PARTITION_TABLE)
                && p.subtype() == 0x00;
    }

    private static PartitionTableException invalid(Partition p, Reason reason, String message) {
        return new PartitionTableException(reason, "Partition " + p.label() + " invalid: " + message);
    }
}
