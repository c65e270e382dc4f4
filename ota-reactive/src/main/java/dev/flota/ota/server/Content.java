package dev.flota.ota.server;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * What a path serves: a regular file (sent zero-copy where possible) or bytes in memory a decorator substituted, with
 * the validators the server answers with.
 *
 * @param lastModified       to the second, as the {@code Last-Modified} header says
 * @param lastModifiedMillis the file's modification time, which keys {@link FileCache}
 * @param httpDate           {@code lastModified} as the {@code Last-Modified} header writes it
 * @param file               the file, or null for bytes
 * @param bytes              the bytes, or null for a file
 */
record Content(long length, String etag, Instant lastModified, long lastModifiedMillis, String httpDate, Path file,
        byte[] bytes) {

    private static final DateTimeFormatter HTTP_DATE =
            DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US).withZone(ZoneOffset.UTC);

    /** The regular file at {@code file}, or null when there is none (or it cannot be read). */
    static Content of(Path file) {
        return of(file, null);
    }

    /**
     * The regular file at {@code file} as {@link #of(Path)} says, or {@code known} itself when that describes the file
     * as it is now (the same size and modification time), sparing the validators' formatting.
     */
    static Content of(Path file, Content known) {
        try {
            BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
            if (!attributes.isRegularFile()) {
                return null;
            }
            long millis = attributes.lastModifiedTime().toMillis();
            long size = attributes.size();
            if (known != null && known.length() == size && known.lastModifiedMillis() == millis
                    && file.equals(known.file())) {
                return known;
            }
            String etag = "\"" + Long.toHexString(millis) + "-" + Long.toHexString(size) + "\"";
            Instant seconds = Instant.ofEpochSecond(millis / 1000);
            return new Content(size, etag, seconds, millis, HTTP_DATE.format(seconds), file, null);
        } catch (IOException e) {
            return null;
        }
    }

    /** {@code bytes} (not copied) with these validators. */
    static Content of(byte[] bytes, String etag, Instant lastModified) {
        return new Content(bytes.length, etag, lastModified, lastModified.toEpochMilli(),
                HTTP_DATE.format(lastModified), null, bytes);
    }
}
