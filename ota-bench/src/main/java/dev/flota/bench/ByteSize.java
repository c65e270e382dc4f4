package dev.flota.bench;

import dev.flota.flash.nor.NorFlash;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A size on the command line: bytes, hex ({@code 0x400000}), or a number with a unit ({@code 512K}, {@code 4MB},
 * {@code 16MiB}, {@code 1GiB}); units are powers of 1024 whatever their spelling, as in esptool and ESP-IDF's menus.
 */
public final class ByteSize {

    private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(K|KB|KIB|M|MB|MIB|G|GB|GIB)?");

    private ByteSize() {
    }

    /** The size {@code text} names, at least 1. */
    public static long parse(String text) {
        String t = text.strip().toUpperCase(Locale.ROOT);
        try {
            long value;
            if (t.startsWith("0X")) {
                value = Long.parseLong(t.substring(2), 16);
            } else {
                Matcher m = SIZE.matcher(t);
                if (!m.matches()) {
                    throw new UsageException("not a size: " + text + " (e.g. 4096, 0x1000, 512K, 16MiB, 1GiB)");
                }
                String unit = m.group(2) == null ? "" : m.group(2);
                int shift = unit.startsWith("K") ? 10 : unit.startsWith("M") ? 20 : unit.startsWith("G") ? 30 : 0;
                value = Math.multiplyExact(Long.parseLong(m.group(1)), 1L << shift);
            }
            if (value <= 0) {
                throw new UsageException("size must be positive: " + text);
            }
            return value;
        } catch (NumberFormatException | ArithmeticException e) {
            throw new UsageException("not a size: " + text, e);
        }
    }

    /** A size that has to fit an {@code int} (a request, a buffer, an image held in memory): below 2 GiB. */
    public static int parseInt(String text) {
        long value = parse(text);
        if (value > Integer.MAX_VALUE) {
            throw new UsageException("size out of range (at most 2 GiB - 1): " + text);
        }
        return (int) value;
    }

    /** A flash size, or another size counted in whole flash sectors: a positive multiple of 4 KiB up to 1 GiB. */
    public static long parseFlashSize(String text) {
        long value = parse(text);
        if (value <= 0 || value % NorFlash.SECTOR_SIZE != 0 || value > (1L << 30)) {
            throw new UsageException("flash size must be a positive multiple of 4 KiB up to 1 GiB: " + text);
        }
        return value;
    }
}
