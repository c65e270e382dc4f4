package dev.flota.flash.partition;

import java.math.BigInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Python's {@code int(text, 0)} for the literals gen_esp32part.py accepts: sign, 0x/0o/0b prefixes, underscores. */
final class PyInt {

    private static final Pattern LITERAL = Pattern.compile(
            "([+-]?)(?:0[xX]((?:_?[0-9a-fA-F])+)|0[oO]((?:_?[0-7])+)|0[bB]((?:_?[01])+)|([1-9](?:_?[0-9])*|0(?:_?0)*))");
    /** Larger magnitudes cannot be stored in an entry; they are reported as out of range. */
    static final BigInteger LIMIT = BigInteger.ONE.shiftLeft(48);

    private PyInt() {
    }

    /** The value, or {@code null} when Python would raise ValueError. */
    static BigInteger parse(String text) {
        Matcher m = LITERAL.matcher(text.strip());
        if (!m.matches()) {
            return null;
        }
        int radix;
        String digits;
        if (m.group(2) != null) {
            radix = 16;
            digits = m.group(2);
        } else if (m.group(3) != null) {
            radix = 8;
            digits = m.group(3);
        } else if (m.group(4) != null) {
            radix = 2;
            digits = m.group(4);
        } else {
            radix = 10;
            digits = m.group(5);
        }
        BigInteger value = new BigInteger(digits.replace("_", ""), radix);
        return "-".equals(m.group(1)) ? value.negate() : value;
    }
}
