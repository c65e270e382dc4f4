package dev.flota.flash.partition;

import dev.flota.flash.partition.PartitionTableException.Reason;
import java.nio.charset.StandardCharsets;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * An immutable ESP-IDF partition table: the entries in table order and whether the binary carries an MD5 entry.
 * Parses the binary the way the device does ({@code esp_partition_table_verify}) and encodes it byte-for-byte as
 * {@code gen_esp32part.py} v1.5 writes it.
 *
 * @param partitions  the entries in table order
 * @param md5Present whether the binary has (or, for a CSV, will have) an MD5 entry
 */
public record PartitionTable(List<Partition> partitions, boolean md5Present) {

    /** Bytes of table data in the 4 KiB sector ({@code ESP_PARTITION_TABLE_MAX_LEN}). */
    public static final int MAX_LENGTH = 0xC00;
    /** The sector the table occupies; partitions start at table offset + this. */
    public static final int SECTOR_SIZE = 0x1000;
    /** Default {@code CONFIG_PARTITION_TABLE_OFFSET}. */
    public static final long DEFAULT_OFFSET = 0x8000;

    public PartitionTable {
        partitions = List.copyOf(partitions);
    }

    /** A table with an MD5 entry, as gen_esp32part.py writes by default. */
    public static PartitionTable of(List<Partition> partitions) {
        return new PartitionTable(partitions, true);
    }

    /** Parses a binary table; refuses what the device refuses, including an MD5 mismatch. */
    public static PartitionTable parse(byte[] binary) {
        ParseReport report = inspect(binary);
        if (report.md5() == ParseReport.Md5Status.MISMATCH) {
            throw new PartitionTableException(Reason.MD5_MISMATCH, "MD5 checksums don't match (partition table "
                    + "entries changed after the MD5 entry was written)");
        }
        return report.table();
    }

    /**
     * Parses a binary table like {@link #parse} but reports an MD5 mismatch instead of throwing, so a tool can still
     * show the entries. Structural errors (bad magic, missing end marker) still throw.
     */
    public static ParseReport inspect(byte[] binary) {
        return BinaryTable.read(binary);
    }

    /** Tells a binary table (starts with AA 50 or EB EB, or all 0xFF) from a UTF-8 CSV and parses it. */
    public static PartitionTable parseBinaryOrCsv(byte[] content) {
        return parseBinaryOrCsv(content, PartitionCsv.Options.defaults());
    }

    /** As {@link #parseBinaryOrCsv(byte[])}, with the options a CSV is converted under. */
    public static PartitionTable parseBinaryOrCsv(byte[] content, PartitionCsv.Options csvOptions) {
        return isBinary(content) ? parse(content) : PartitionCsv.parse(content, csvOptions);
    }

    /** Whether the content is a binary table rather than CSV text. */
    public static boolean isBinary(byte[] content) {
        if (content.length >= 2 && ((content[0] & 0xFF) == 0xAA && (content[1] & 0xFF) == 0x50
                || (content[0] & 0xFF) == 0xEB && (content[1] & 0xFF) == 0xEB)) {
            return true;
        }
        if (content.length == 0) {
            return false;
        }
        for (byte b : content) {
            if (b != (byte) 0xFF) {
                return false;
            }
        }
        return true;
    }

    /**
     * The binary table: 32-byte entries, the MD5 entry when {@code md5}, then 0xFF up to exactly {@link #MAX_LENGTH}
     * bytes, identical to gen_esp32part.py. Throws {@link Reason#TABLE_TOO_LONG} when it does not fit.
     */
    public byte[] encode(boolean md5) {
        return BinaryTable.write(this, md5);
    }

    /**
     * Applies gen_esp32part.py's table checks (alignment, overlaps, unique names, one otadata of 0x2000 bytes,
     * readonly rules, NVS size) for a table at {@code tableOffset}; throws the first failure.
     */
    public void verify(long tableOffset) {
        TableRules.verify(partitions, tableOffset);
    }

    /**
     * The size check of {@code esp_partition_table_verify}, which the device applies to the table it reads (and
     * {@code esp_ota_end} to a new one): every entry lies within a chip of {@code chipSize} bytes.
     */
    public void verifyFits(long chipSize) {
        for (int i = 0; i < partitions.size(); i++) {
            Partition p = partitions.get(i);
            if (p.offset() > chipSize || p.size() > chipSize - p.offset()) {
                throw new PartitionTableException(Reason.DOES_NOT_FIT_FLASH, String.format(
                        "partition %d invalid - offset 0x%x size 0x%x exceeds flash chip size 0x%x", i, p.offset(),
                        p.size(), chipSize));
            }
        }
    }

    /** The first partition with this label. */
    public Optional<Partition> find(String label) {
        return partitions.stream().filter(p -> p.label().equals(label)).findFirst();
    }

    /** Every app with subtype ota_0..ota_15, sorted by subtype: the OTA slots the bootloader counts. */
    public List<Partition> otaApps() {
        return partitions.stream().filter(Partition::isOtaApp).sorted(Comparator.comparingInt(Partition::subtype))
                .toList();
    }

    /** The number of OTA app partitions ({@code bs->app_count} in the bootloader). */
    public int otaSlotCount() {
        return (int) partitions.stream().filter(Partition::isOtaApp).count();
    }

    /** The app partition for an OTA slot (subtype 0x10 + slot), as the bootloader indexes them. */
    public Optional<Partition> otaApp(int slot) {
        return firstOf(Partition.TYPE_APP, Partition.SUBTYPE_APP_OTA_MIN + slot);
    }

    public Optional<Partition> factory() {
        return firstOf(Partition.TYPE_APP, Partition.SUBTYPE_APP_FACTORY);
    }

    public Optional<Partition> test() {
        return firstOf(Partition.TYPE_APP, Partition.SUBTYPE_APP_TEST);
    }

    public Optional<Partition> otadata() {
        return firstOf(Partition.TYPE_DATA, Partition.SUBTYPE_DATA_OTA);
    }

    private Optional<Partition> firstOf(int type, int subtype) {
        return partitions.stream().filter(p -> p.type() == type && p.subtype() == subtype).findFirst();
    }

    /** Label bytes as stored: UTF-8, truncated or NUL-padded to 16 bytes. */
    static byte[] labelBytes(String label) {
        byte[] utf8 = label.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[16];
        System.arraycopy(utf8, 0, out, 0, Math.min(16, utf8.length));
        return out;
    }

    /**
     * A binary table as read, with what was found about its MD5 entry.
     *
     * @param table the entries (and whether an MD5 entry was present)
     * @param md5   ABSENT, VALID or MISMATCH
     */
    public record ParseReport(PartitionTable table, Md5Status md5) {

        public ParseReport {
            Objects.requireNonNull(table);
            Objects.requireNonNull(md5);
        }

        /** The state of the MD5 entry. */
        public enum Md5Status {
            ABSENT, VALID, MISMATCH
        }
    }
}
