package dev.flota.ota.encrypted;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import reactor.core.publisher.Flux;

/** Feeds bytes through the decrypt operator in random chunks, as a network would deliver them. */
final class Chunks {

    private Chunks() {
    }

    /** Copies, since the operator decrypts writable buffers in place. */
    static List<ByteBuffer> random(byte[] bytes, Random random, int maxChunk) {
        List<ByteBuffer> chunks = new ArrayList<>();
        for (int offset = 0; offset < bytes.length; ) {
            int n = Math.min(bytes.length - offset, 1 + random.nextInt(maxChunk));
            chunks.add(ByteBuffer.wrap(java.util.Arrays.copyOfRange(bytes, offset, offset + n)));
            offset += n;
        }
        return chunks;
    }

    /** Decrypts through the Reactor operator; a DecryptException is thrown as is. */
    static byte[] decrypt(byte[] encrypted, DecryptionKey key, Random random, int maxChunk) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Flux.fromIterable(random(encrypted, random, maxChunk))
                .transform(EncryptedImages.decrypt(key))
                .doOnNext(b -> {
                    byte[] copy = new byte[b.remaining()];
                    b.get(copy);
                    out.writeBytes(copy);
                })
                .blockLast();
        return out.toByteArray();
    }
}
