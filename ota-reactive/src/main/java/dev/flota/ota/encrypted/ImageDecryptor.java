package dev.flota.ota.encrypted;

import java.nio.ByteBuffer;
import java.util.Objects;
import java.util.Optional;

/**
 * Decrypts one pre-encrypted image fed in chunks of any size, as the device's {@code esp_encrypted_img} state machine
 * does: the 512-byte header (magic checked on its first 4 bytes), the key, then plaintext released chunk by chunk.
 * {@link #finish()} checks that exactly {@code bin_size} bytes came and that the GCM tag authenticates them; until it
 * returns, released plaintext must be treated as unverified. Memory: the header plus one chunk. Not thread-safe.
 */
public final class ImageDecryptor {

    private final ImageKeys keys;
    private final byte[] headerBytes = new byte[EncryptedImageHeader.SIZE];
    private int headerFill;
    private EncryptedImageHeader header;
    private volatile GcmStreamDecryptor gcm;
    private boolean finished;
    private boolean offloadTag;

    private ImageDecryptor(ImageKeys keys) {
        this.keys = Objects.requireNonNull(keys);
    }

    public static ImageDecryptor create(DecryptionKey key) {
        return create(ImageKeys.of(key));
    }

    /** A decryptor taking the image's AES key from {@code keys}, which may remember it from an earlier update. */
    public static ImageDecryptor create(ImageKeys keys) {
        return new ImageDecryptor(keys);
    }

    /**
     * A decryptor that continues an image whose first {@code plaintext.length} bytes (a multiple of 16) an earlier
     * run decrypted, given its 512-byte header and that plaintext (read back from flash): the key comes from the
     * header again, the keystream starts at that offset, and the plaintext is re-encrypted into the tag state, so
     * {@link #finish()} authenticates the whole image. The next {@link #update} takes ciphertext from that offset.
     *
     * @throws DecryptException when the header is not an encrypted-image header or does not fit the key
     */
    public static ImageDecryptor resume(DecryptionKey key, byte[] header, byte[] plaintext) {
        return resume(ImageKeys.of(key), header, plaintext);
    }

    /** As {@link #resume(DecryptionKey, byte[], byte[])}, the AES key from {@code keys}. */
    public static ImageDecryptor resume(ImageKeys keys, byte[] header, byte[] plaintext) {
        ImageDecryptor decryptor = new ImageDecryptor(keys);
        if (header.length != EncryptedImageHeader.SIZE) {
            throw new DecryptException(DecryptError.HEADER_TRUNCATED, "a resumed header has " + header.length
                    + " bytes, not 512");
        }
        System.arraycopy(header, 0, decryptor.headerBytes, 0, header.length);
        decryptor.headerFill = header.length;
        decryptor.header = EncryptedImageHeader.parse(header);
        if (plaintext.length > decryptor.header.binSize()) {
            throw new DecryptException(DecryptError.TOO_LONG, "resuming at " + plaintext.length
                    + " runs past bin_size " + decryptor.header.binSize());
        }
        decryptor.gcm = new GcmStreamDecryptor(keys.aesKey(decryptor.header), decryptor.header.iv(), plaintext.length);
        decryptor.gcm.absorb(plaintext, 0, plaintext.length);
        return decryptor;
    }

    /**
     * Consumes all of {@code chunk} and returns the plaintext it yields (empty while the header is still arriving).
     * A writable heap buffer is decrypted in place and the plaintext returned is a view of it: the decryptor takes
     * ownership of the buffers it is given, as a Reactor operator takes ownership of the items it receives.
     *
     * @throws DecryptException on a bad magic, a key that does not fit the header, or more payload than bin_size
     */
    public ByteBuffer update(ByteBuffer chunk) {
        if (finished) {
            throw new IllegalStateException("finish() was already called");
        }
        if (header == null) {
            int n = Math.min(chunk.remaining(), EncryptedImageHeader.SIZE - headerFill);
            chunk.get(headerBytes, headerFill, n);
            int before = headerFill;
            headerFill += n;
            if (before < 4 && headerFill >= 4 && !EncryptedImageHeader.hasMagic(headerBytes)) {
                EncryptedImageHeader.parse(headerBytes);
            }
            if (headerFill < EncryptedImageHeader.SIZE) {
                return ByteBuffer.allocate(0);
            }
            header = EncryptedImageHeader.parse(headerBytes);
            GcmStreamDecryptor created = new GcmStreamDecryptor(keys.aesKey(header), header.iv());
            if (offloadTag) {
                created.offloadTag();
            }
            gcm = created;
        }
        int length = chunk.remaining();
        if (gcm.position() + length > header.binSize()) {
            throw new DecryptException(DecryptError.TOO_LONG, String.format(
                    "payload runs past bin_size %d (at least %d bytes)", header.binSize(), gcm.position() + length));
        }
        if (chunk.hasArray() && !chunk.isReadOnly()) {
            ByteBuffer plain = chunk.slice();
            gcm.decrypt(chunk, chunk.array(), chunk.arrayOffset() + chunk.position());
            return plain;
        }
        byte[] plain = new byte[length];
        gcm.decrypt(chunk, plain, 0);
        return ByteBuffer.wrap(plain);
    }

    /** Runs the tag pass off the caller's thread (see {@link TagLane}). */
    void offloadTag() {
        offloadTag = true;
        if (gcm != null) {
            gcm.offloadTag();
        }
    }

    /** For a stream abandoned before {@link #finish()}: gives back what the tag lane holds for it. Any thread. */
    void release() {
        GcmStreamDecryptor current = gcm;
        if (current != null) {
            current.release();
        }
    }

    /** True when {@code chunk} brings the last header bytes, so {@link #update} will derive the AES key. */
    public boolean completesHeader(ByteBuffer chunk) {
        return header == null && headerFill + chunk.remaining() >= EncryptedImageHeader.SIZE;
    }

    /**
     * True when {@code chunk} brings the last header bytes and the key has to be derived for it, rather than taken
     * from the {@link ImageKeys} that remember this header.
     */
    public boolean derivesKey(ByteBuffer chunk) {
        return completesHeader(chunk) && !keys.remembers(headerBytes, headerFill, chunk);
    }

    /**
     * Ends the stream: verifies the payload length and the GCM tag.
     *
     * @throws DecryptException when the header never completed, the payload is short, or the tag does not match
     */
    public void finish() {
        if (finished) {
            return;
        }
        finished = true;
        if (header == null) {
            throw new DecryptException(DecryptError.HEADER_TRUNCATED,
                    "stream ended after " + headerFill + " bytes, inside the 512-byte header");
        }
        if (gcm.position() != header.binSize()) {
            throw new DecryptException(DecryptError.TRUNCATED, String.format(
                    "payload is %d bytes, bin_size says %d", gcm.position(), header.binSize()));
        }
        if (!gcm.verify(header.tag())) {
            throw new DecryptException(DecryptError.TAG_MISMATCH,
                    "GCM tag mismatch: the image was changed or encrypted for another key; discard its plaintext");
        }
    }

    /** The header once all 512 bytes have arrived. */
    public Optional<EncryptedImageHeader> header() {
        return Optional.ofNullable(header);
    }

    /** Plaintext bytes released so far. */
    public long plaintextBytes() {
        return gcm == null ? 0 : gcm.position();
    }
}
