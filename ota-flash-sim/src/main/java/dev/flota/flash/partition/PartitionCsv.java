package dev.flota.flash.partition;

import dev.flota.flash.partition.PartitionTableException.Reason;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalLong;
import java.util.regex.Pattern;

/**
 * The CSV side of {@code gen_esp32part.py} v1.5: parses a partition CSV exactly as the tool does (keywords, K/M
 * suffixes, automatic offsets, forced bootloader and partition-table offsets and sizes, flags), applies its
 * validation, and formats a table back to the tool's CSV. Environment variables ({@code $NAME}) are not expanded:
 * a line starting with one is rejected, as the tool does for an unset variable.
 */
public final class PartitionCsv {

    /**
     * The tool's command-line settings.
     *
     * @param tableOffset              {@code --offset}, default 0x8000
     * @param flashSize                {@code --flash-size} in bytes, empty for no check
     * @param primaryBootloaderOffset  {@code --primary-bootloader-offset}, needed by bootloader entries
     * @param recoveryBootloaderOffset {@code --recovery-bootloader-offset}, needed by recovery bootloader entries
     * @param md5                      false for {@code --disable-md5sum}
     * @param verify                   false for {@code --no-verify}
     */
    public record Options(long tableOffset, OptionalLong flashSize, OptionalLong primaryBootloaderOffset,
            OptionalLong recoveryBootloaderOffset, boolean md5, boolean verify) {

        public Options {
            if (tableOffset < 0 || tableOffset > 0xFFFFFFFFL) {
                throw new IllegalArgumentException("table offset out of range: " + tableOffset);
            }
        }

        public static Options defaults() {
            return new Options(PartitionTable.DEFAULT_OFFSET, OptionalLong.empty(), OptionalLong.empty(),
                    OptionalLong.empty(), true, true);
        }

        public Options withTableOffset(long offset) {
            return new Options(offset, flashSize, primaryBootloaderOffset, recoveryBootloaderOffset, md5, verify);
        }

        public Options withFlashSize(long bytes) {
            return new Options(tableOffset, OptionalLong.of(bytes), primaryBootloaderOffset,
                    recoveryBootloaderOffset, md5, verify);
        }

        public Options withPrimaryBootloaderOffset(long offset) {
            return new Options(tableOffset, flashSize, OptionalLong.of(offset), recoveryBootloaderOffset, md5,
                    verify);
        }

        public Options withRecoveryBootloaderOffset(long offset) {
            return new Options(tableOffset, flashSize, primaryBootloaderOffset, OptionalLong.of(offset), md5,
                    verify);
        }

        public Options withMd5(boolean enabled) {
            return new Options(tableOffset, flashSize, primaryBootloaderOffset, recoveryBootloaderOffset, enabled,
                    verify);
        }

        public Options withVerify(boolean enabled) {
            return new Options(tableOffset, flashSize, primaryBootloaderOffset, recoveryBootloaderOffset, md5,
                    enabled);
        }
    }

    private static final Pattern LINE_BREAKS = Pattern.compile("\r\n|[\n\r\u000B\u000C\u001C\u001D\u001E\u0085\u2028\u2029]");
    private static final Pattern VARIABLE = Pattern.compile("^\\$([A-Za-z_][A-Za-z0-9_]*).*", Pattern.DOTALL);

    private PartitionCsv() {
    }

    /** Parses and validates a CSV (UTF-8, optional BOM) as {@code gen_esp32part.py} does. */
    public static PartitionTable parse(byte[] csv, Options options) {
        String text = new String(csv, StandardCharsets.UTF_8);
        return parse(text.startsWith("\uFEFF") ? text.substring(1) : text, options);
    }

    /** Parses and validates CSV text as {@code gen_esp32part.py} does; the table's MD5 flag follows the options. */
    public static PartitionTable parse(String csv, Options options) {
        checkBootloaderOffset(options);
        List<Entry> entries = new ArrayList<>();
        String[] lines = LINE_BREAKS.split(csv, -1);
        for (int i = 0; i < lines.length; i++) {
            var variable = VARIABLE.matcher(lines[i]);
            if (variable.matches()) {
                throw new PartitionTableException(Reason.CSV_SYNTAX, "unknown variable '" + variable.group(1) + "'");
            }
            String line = lines[i].strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            try {
                entries.add(CsvLine.parse(line, i + 1, options));
            } catch (PartitionTableException e) {
                throw new PartitionTableException(e.reason(), "Error at line " + (i + 1) + ": " + e.getMessage());
            }
        }
        List<Partition> partitions = placeEntries(entries, options.tableOffset());
        if (options.verify()) {
            TableRules.verify(partitions, options.tableOffset());
        }
        if (options.flashSize().isPresent()) {
            checkFits(partitions, options.flashSize().getAsLong());
        }
        PartitionTable table = new PartitionTable(partitions, options.md5());
        table.encode(options.md5());
        return table;
    }

    /** CSV text to the binary gen_esp32part.py writes. */
    public static byte[] toBinary(String csv, Options options) {
        return parse(csv, options).encode(options.md5());
    }

    /** CSV bytes to the binary gen_esp32part.py writes. */
    public static byte[] toBinary(byte[] csv, Options options) {
        return parse(csv, options).encode(options.md5());
    }

    /** The table as gen_esp32part.py prints a binary back to CSV. */
    public static String format(PartitionTable table) {
        StringBuilder out = new StringBuilder("# ESP-IDF Partition Table\n# Name, Type, SubType, Offset, Size, Flags\n");
        for (Partition p : table.partitions()) {
            String type = PartitionNames.keyword(PartitionNames.TYPES, p.type());
            String subtype = PartitionNames.keyword(PartitionNames.subtypes(p.type()), p.subtype());
            List<String> flags = new ArrayList<>();
            if (p.encrypted()) {
                flags.add("encrypted");
            }
            if (p.readonly()) {
                flags.add("readonly");
            }
            out.append(String.join(",", p.label(), type != null ? type : Integer.toString(p.type()),
                    subtype != null ? subtype : Integer.toString(p.subtype()), "0x" + Long.toHexString(p.offset()),
                    sizeText(p.size()), String.join(":", flags))).append('\n');
        }
        return out.toString();
    }

    /** A size as the tool prints it: whole MiB as {@code 1M}, whole KiB as {@code 64K}, else hex. */
    public static String sizeText(long size) {
        if (size % 0x100000 == 0) {
            return size / 0x100000 + "M";
        }
        if (size % 0x400 == 0) {
            return size / 0x400 + "K";
        }
        return "0x" + Long.toHexString(size);
    }

    private static void checkBootloaderOffset(Options options) {
        if (options.primaryBootloaderOffset().isPresent()
                && options.primaryBootloaderOffset().getAsLong() >= options.tableOffset()) {
            throw new PartitionTableException(Reason.BAD_CONFIGURATION, String.format(
                    "Unsupported configuration. Primary bootloader must be below partition table. Check "
                            + "--primary-bootloader-offset=0x%x and --offset=0x%x",
                    options.primaryBootloaderOffset().getAsLong(), options.tableOffset()));
        }
    }

    private static List<Partition> placeEntries(List<Entry> entries, long tableOffset) {
        long lastEnd = tableOffset + PartitionTable.SECTOR_SIZE;
        List<Partition> out = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            Entry e = entries.get(i);
            long offset;
            long size = e.size();
            if (e.isPrimary()) {
                offset = e.offset();
            } else {
                if (e.offset() != null && e.offset() < lastEnd) {
                    String message = i == 0
                            ? String.format("CSV Error at line %d: Partitions overlap. Partition sets offset 0x%x. "
                                    + "But partition table occupies the whole sector 0x%x. Use a free offset 0x%x "
                                    + "or higher.", e.line(), e.offset(), tableOffset, lastEnd)
                            : String.format("CSV Error at line %d: Partitions overlap. Partition sets offset 0x%x. "
                                    + "Previous partition ends 0x%x", e.line(), e.offset(), lastEnd);
                    throw new PartitionTableException(Reason.OVERLAP, message);
                }
                if (e.offset() == null) {
                    long align = e.type() == Partition.TYPE_APP ? 0x10000 : 0x1000;
                    if (lastEnd % align != 0) {
                        lastEnd += align - lastEnd % align;
                    }
                    offset = lastEnd;
                } else {
                    offset = e.offset();
                }
                if (size < 0) {
                    size = -size - offset;
                }
                lastEnd = offset + size;
            }
            out.add(e.toPartition(offset, size));
        }
        return out;
    }

    private static void checkFits(List<Partition> partitions, long flashSize) {
        Partition last = null;
        for (Partition p : partitions) {
            if (last == null || p.offset() > last.offset()) {
                last = p;
            }
        }
        long used = last == null ? 0 : last.end();
        if (flashSize < used) {
            double mb = 1024 * 1024;
            BigDecimal usedMb = new BigDecimal(used / mb).setScale(1, RoundingMode.HALF_EVEN);
            throw new PartitionTableException(Reason.DOES_NOT_FIT_FLASH, String.format(Locale.ROOT,
                    "Partitions tables occupies %sMB of flash (%d bytes) which does not fit in configured flash "
                            + "size %dMB.", usedMb.toPlainString(), used, (long) (flashSize / mb)));
        }
    }

    /** A parsed CSV line before automatic offsets: offset may be null, size may be negative (an end address). */
    record Entry(int line, String name, int type, int subtype, Long offset, long size, boolean encrypted,
            boolean readonly) {

        boolean isPrimary() {
            return (type == Partition.TYPE_BOOTLOADER || type == Partition.TYPE_PARTITION_TABLE) && subtype == 0;
        }

        Partition toPartition(long offset, long size) {
            if (offset < 0 || offset > 0xFFFFFFFFL || size < 0 || size > 0xFFFFFFFFL) {
                throw new PartitionTableException(Reason.VALUE_OUT_OF_RANGE, String.format(
                        "Error at line %d: offset %d / size %d do not fit an unsigned 32-bit field", line, offset,
                        size));
            }
            return new Partition(name, type, subtype, offset, size, encrypted, readonly);
        }
    }

    /** One data line, fields as the tool splits them. */
    static final class CsvLine {

        private CsvLine() {
        }

        static Entry parse(String line, int lineNo, Options options) {
            String[] fields = (line + ",,,,").split(",", -1);
            for (int i = 0; i < fields.length; i++) {
                fields[i] = fields[i].strip();
            }
            String name = fields[0];
            if (fields[1].isEmpty()) {
                throw new PartitionTableException(Reason.CSV_SYNTAX, "Field 'type' can't be left empty.");
            }
            int type = byteValue(number(fields[1], PartitionNames.TYPES), "type");
            int subtype;
            if (fields[2].isEmpty()) {
                if (type == Partition.TYPE_APP) {
                    throw new PartitionTableException(Reason.CSV_SYNTAX, "App partition cannot have an empty subtype");
                }
                subtype = 0x06;
            } else {
                subtype = byteValue(number(fields[2], PartitionNames.subtypes(type)), "subtype");
            }
            Long offset = offset(fields[3], type, subtype, options);
            long size = size(fields[4], type, options);
            boolean encrypted = false;
            boolean readonly = false;
            for (String flag : fields[5].split(":", -1)) {
                switch (flag) {
                    case "encrypted" -> encrypted = true;
                    case "readonly" -> readonly = true;
                    case "" -> { }
                    default -> throw new PartitionTableException(Reason.CSV_SYNTAX,
                            "CSV flag column contains unknown flag '" + flag + "'");
                }
            }
            return new Entry(lineNo, name, type, subtype, offset, size, encrypted, readonly);
        }

        private static Long offset(String text, int type, int subtype, Options options) {
            if (type == Partition.TYPE_BOOTLOADER && subtype == 0x00) {
                return required(options.primaryBootloaderOffset(), "Primary bootloader offset is not provided");
            }
            if (type == Partition.TYPE_BOOTLOADER && subtype == 0x02) {
                return required(options.recoveryBootloaderOffset(), "Recovery bootloader offset is not provided");
            }
            if (type == Partition.TYPE_PARTITION_TABLE && subtype == 0x00) {
                return options.tableOffset();
            }
            return text.isEmpty() ? null : number(text, Map.of());
        }

        private static long size(String text, int type, Options options) {
            if (type == Partition.TYPE_BOOTLOADER) {
                long primary = required(options.primaryBootloaderOffset(), "Primary bootloader offset is not provided");
                return options.tableOffset() - primary;
            }
            if (type == Partition.TYPE_PARTITION_TABLE) {
                return PartitionTable.SECTOR_SIZE;
            }
            if (text.isEmpty()) {
                throw new PartitionTableException(Reason.CSV_SYNTAX, "Size field can't be empty");
            }
            return number(text, Map.of());
        }

        private static long required(OptionalLong value, String message) {
            if (value.isEmpty()) {
                throw new PartitionTableException(Reason.MISSING_OFFSET, message);
            }
            return value.getAsLong();
        }

        /** gen_esp32part's {@code parse_int}: trailing k/m multiply by 1024/1048576, then a literal or keyword. */
        static long number(String text, Map<String, Integer> keywords) {
            BigInteger multiplier = BigInteger.ONE;
            String base = text;
            while (!base.isEmpty()) {
                char last = Character.toLowerCase(base.charAt(base.length() - 1));
                if (last == 'k') {
                    multiplier = multiplier.shiftLeft(10);
                } else if (last == 'm') {
                    multiplier = multiplier.shiftLeft(20);
                } else {
                    break;
                }
                base = base.substring(0, base.length() - 1);
            }
            BigInteger value = PyInt.parse(base);
            if (value == null) {
                if (keywords.isEmpty()) {
                    throw new PartitionTableException(Reason.CSV_SYNTAX, "Invalid field value " + base);
                }
                Integer keyword = keywords.get(base.toLowerCase(Locale.ROOT));
                if (keyword == null) {
                    throw new PartitionTableException(Reason.CSV_SYNTAX, "Value '" + base
                            + "' is not valid. Known keywords: " + String.join(", ", keywords.keySet()));
                }
                value = BigInteger.valueOf(keyword);
            }
            BigInteger result = value.multiply(multiplier);
            if (result.abs().compareTo(PyInt.LIMIT) >= 0) {
                throw new PartitionTableException(Reason.VALUE_OUT_OF_RANGE, "Value " + text + " is out of range");
            }
            return result.longValue();
        }

        private static int byteValue(long value, String field) {
            if (value < 0 || value > 0xFF) {
                throw new PartitionTableException(Reason.VALUE_OUT_OF_RANGE,
                        "Partition " + field + " " + value + " does not fit in one byte");
            }
            return (int) value;
        }
    }
}
