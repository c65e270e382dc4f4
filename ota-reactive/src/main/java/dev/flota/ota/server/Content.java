package dev.flota.ota.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/**
 * What a path serves: a regular file (sent zero-copy where possible) or bytes in memory a decorator substituted, with
 * the validators the server answers with.
 *
 * @param lastModified       to the second, as the {@code Last-Modified} header says
 * @param lastModifiedMillis the file's modification time, which keys {@link FileCache}
 * @param file               the file, or null for bytes
 * @param bytes              the bytes, or null for a file
 */
record Content(long length, String etag, Instant lastModified, long lastModifiedMillis, Path file, byte[] bytes) {

    /** The regular file at {@code file}, or null when there is none (or it cannot be read). */
    static Content of(Path file) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return null;
            }
            long millis = attributes.lastModifiedTime().toMillis();
            String etag = "\"" + Long.toHexString(millis) + "-" + Long.toHexString(attributes.size()) + "\"";
            return new Content(attributes.size(), etag, Instant.ofEpochSecond(millis / 1000), millis, file, null);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code bytes} (not copied) with these validators. */
    static Content of(byte[] bytes, String etag, Instant lastModified) {
        return new Content(bytes.length, etag, lastModified, lastModified.toEpochMilli(), null, bytes);
    }
}
