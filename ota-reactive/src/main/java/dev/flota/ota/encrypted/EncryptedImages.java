package dev.flota.ota.encrypted;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.scheduler.Schedulers;

/**
 * The decrypt stage of the OTA pipeline: {@code flux.transform(EncryptedImages.decrypt(key))} turns the bytes of a
 * pre-encrypted image into its plaintext, whatever the chunking, releasing plaintext as it streams. It owns the buffers
 * it receives: writable heap buffers are decrypted in place and re-emitted, so it allocates nothing per chunk. The key
 * agreement (which draws on {@code SecureRandom} for blinding) runs on a blocking-capable thread when the header
 * completes on an event loop, unless the {@link ImageKeys} remember the header; every other chunk is decrypted on the
 * thread it arrives on. The flux completes only after the GCM tag verified; any failure is a {@link DecryptException}
 * signalled instead of completion, so a pipeline that switches the boot partition on completion never switches to an
 * unauthenticated image.
 */
public final class EncryptedImages {

    private EncryptedImages() {
    }

    public static Function<Flux<ByteBuffer>, Flux<ByteBuffer>> decrypt(DecryptionKey key) {
        return decrypt(key, event -> { });
    }

    /** As {@link #decrypt(DecryptionKey)}, reporting progress to {@code events} on the subscriber's thread. */
    public static Function<Flux<ByteBuffer>, Flux<ByteBuffer>> decrypt(DecryptionKey key,
            Consumer<? super DecryptEvent> events) {
        return decrypt(ImageKeys.of(key), events);
    }

    /**
     * As {@link #decrypt(DecryptionKey, Consumer)}, the AES key from {@code keys}: shared by the updates of one
     * engine, so that a fleet decrypting one image derives its key once.
     */
    public static Function<Flux<ByteBuffer>, Flux<ByteBuffer>> decrypt(ImageKeys keys,
            Consumer<? super DecryptEvent> events) {
        Objects.requireNonNull(keys);
        return decrypt(() -> ImageDecryptor.create(keys), keys.key(), events);
    }

    /**
     * The decrypt stage continuing an image after a reboot: {@code upstream} brings the ciphertext from plaintext
     * offset {@code plaintext.length} (after the header), {@code header} is the image's 512-byte header and
     * {@code plaintext} what an earlier run decrypted into flash, re-encrypted here into the GCM tag state (see
     * {@link ImageDecryptor#resume}). The flux completes only when the tag authenticates the whole image.
     */
    public static Function<Flux<ByteBuffer>, Flux<ByteBuffer>> resume(ImageKeys keys, byte[] header,
            byte[] plaintext, Consumer<? super DecryptEvent> events) {
        Objects.requireNonNull(keys);
        byte[] headerCopy = header.clone();
        return decrypt(() -> ImageDecryptor.resume(keys, headerCopy, plaintext), keys.key(), events);
    }

    private static Function<Flux<ByteBuffer>, Flux<ByteBuffer>> decrypt(
            java.util.function.Supplier<ImageDecryptor> create, DecryptionKey key,
            Consumer<? super DecryptEvent> events) {
        Objects.requireNonNull(events);
        return upstream -> Flux.defer(() -> {
            ImageDecryptor decryptor = create.get();
            decryptor.offloadTag();
            Function<ByteBuffer, ByteBuffer> step = chunk -> {
                boolean hadHeader = decryptor.header().isPresent();
                ByteBuffer out = decryptor.update(chunk);
                if (!hadHeader && decryptor.header().isPresent()) {
                    events.accept(new DecryptEvent.HeaderRead(key.scheme(), decryptor.header().get().binSize()));
                }
                if (out.hasRemaining()) {
                    events.accept(new DecryptEvent.Decrypted(decryptor.plaintextBytes()));
                }
                return out;
            };
            Flux<ByteBuffer> plaintext = upstream.concatMap(chunk -> {
                if (decryptor.derivesKey(chunk) && Schedulers.isInNonBlockingThread()) {
                    return Mono.<ByteBuffer>fromCallable(() -> step.apply(chunk))
                            .subscribeOn(Schedulers.boundedElastic()).filter(ByteBuffer::hasRemaining);
                }
                try {
                    ByteBuffer out = step.apply(chunk);
                    return out.hasRemaining() ? Mono.just(out) : Mono.empty();
                } catch (DecryptException e) {
                    return Mono.error(e);
                }
            }, 1);
            return plaintext.concatWith(Mono.fromRunnable(() -> {
                decryptor.finish();
                events.accept(new DecryptEvent.Verified(decryptor.plaintextBytes()));
            })).doFinally(signal -> decryptor.release());
        });
    }

    /**
     * Runs the decrypt path over a few MiB so the JIT compiles it before the first real image: a cold JVM decrypts
     * its first image at a small fraction of full speed. Takes well under a second.
     */
    public static void warmUp() {
        EccDecryptionKey key = EccDecryptionKey.of(java.math.BigInteger.valueOf(0x5eed));
        byte[] encrypted = ImageEncryptor.encrypt(new byte[4 << 20], EncryptionKey.forDevice(key),
                new SecureRandom());
        for (int round = 0; round < 3; round++) {
            ImageDecryptor decryptor = ImageDecryptor.create(key);
            ByteBuffer in = ByteBuffer.wrap(encrypted);
            while (in.hasRemaining()) {
                int n = Math.min(65536, in.remaining());
                decryptor.update(ByteBuffer.wrap(java.util.Arrays.copyOfRange(encrypted, in.position(),
                        in.position() + n)));
                in.position(in.position() + n);
            }
            decryptor.finish();
        }
    }
}
