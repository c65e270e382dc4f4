package dev.flota.flash.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** Reads a vector named by a manifest row and checks it is the very file the row describes. */
public final class VectorFiles {

    private VectorFiles() {
    }

    public static byte[] checked(Manifest.Row row) {
        byte[] bytes = Vectors.bytes(row.file());
        assertThat(bytes).as("size of %s", row.file()).hasSize((int) row.bytes());
        assertThat(sha256(bytes)).as("SHA-256 of %s", row.file()).isEqualTo(row.sha256());
        return bytes;
    }

    /** The expectation coded for {@code row} under {@code key}; fails the test when none is, so no row is skipped. */
    public static <T> T expectation(Manifest.Row row, java.util.Map<String, T> expectations, String key) {
        T expected = expectations.get(key);
        if (expected == null) {
            org.assertj.core.api.Assertions.fail("no coded expectation for manifest row %s (%s)", row.file(),
                    row.expected());
        }
        return expected;
    }

    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
