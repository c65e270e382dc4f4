package dev.flota.bench.jmh;

import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.EccDecryptionKey;
import dev.flota.ota.encrypted.EncryptedImageHeader;
import dev.flota.ota.encrypted.EncryptedImages;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.crypto.InvalidCipherTextException;
import org.bouncycastle.crypto.engines.AESEngine;
import org.bouncycastle.crypto.modes.GCMBlockCipher;
import org.bouncycastle.crypto.modes.GCMModeCipher;
import org.bouncycastle.crypto.params.AEADParameters;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OperationsPerInvocation;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;
import reactor.core.publisher.Flux;

/**
 * Decrypting a 16 MiB pre-encrypted image (ECC scheme) fed in 4 KiB or 64 KiB chunks: Flota's Reactor operator
 * against Bouncy Castle's streaming {@code GCMBlockCipher}, both including the per-image key agreement (about 0.3 ms of
 * ECDH and HKDF). Scores are bytes per nanosecond, i.e. GB/s.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class DecryptBenchmark {

    static final int IMAGE_SIZE = 16 * 1024 * 1024;

    @Param({"4096", "65536"})
    public int chunkSize;

    private DecryptionKey key;
    private byte[] encrypted;
    private byte[] working;
    private List<ByteBuffer> chunks;

    @Setup
    public void setUp() {
        EccDecryptionKey device = DecryptionKey.fromHmacKey(new byte[32]);
        key = device;
        byte[] image = new byte[IMAGE_SIZE];
        new Random(1).nextBytes(image);
        encrypted = ImageEncryptor.encrypt(image, EncryptionKey.forDevice(device));
        working = new byte[encrypted.length];
        chunks = new ArrayList<>();
        for (int offset = 0; offset < working.length; offset += chunkSize) {
            chunks.add(ByteBuffer.wrap(working, offset, Math.min(chunkSize, working.length - offset)).slice());
        }
    }

    /** The operator decrypts in place, as it does in the pipeline: each run starts from fresh ciphertext. */
    @Setup(Level.Invocation)
    public void freshCiphertext() {
        System.arraycopy(encrypted, 0, working, 0, encrypted.length);
    }

    @Benchmark
    @OperationsPerInvocation(IMAGE_SIZE)
    public void flotaOperator(Blackhole blackhole) {
        Flux.fromIterable(chunks).map(ByteBuffer::duplicate).transform(EncryptedImages.decrypt(key))
                .doOnNext(blackhole::consume).blockLast();
    }

    @Benchmark
    @OperationsPerInvocation(IMAGE_SIZE)
    public void bouncyCastleGcm(Blackhole blackhole) throws InvalidCipherTextException {
        byte[] headerBytes = new byte[EncryptedImageHeader.SIZE];
        System.arraycopy(encrypted, 0, headerBytes, 0, headerBytes.length);
        EncryptedImageHeader header = EncryptedImageHeader.parse(headerBytes);
        GCMModeCipher gcm = GCMBlockCipher.newInstance(AESEngine.newInstance());
        gcm.init(false, new AEADParameters(new KeyParameter(key.aesKey(header)), 128, header.iv()));
        int offset = EncryptedImageHeader.SIZE;
        byte[] out = new byte[chunkSize + 16];
        while (offset < encrypted.length) {
            int n = Math.min(chunkSize, encrypted.length - offset);
            if (out.length < n + 16) {
                out = new byte[n + 16];
            }
            int produced = gcm.processBytes(encrypted, offset, n, out, 0);
            blackhole.consume(produced);
            offset += n;
        }
        byte[] tail = new byte[16];
        gcm.processBytes(header.tag(), 0, 16, tail, 0);
        blackhole.consume(gcm.doFinal(tail, 0));
    }
}
