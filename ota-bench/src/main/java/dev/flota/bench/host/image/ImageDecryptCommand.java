package dev.flota.bench.host.image;

import dev.flota.bench.KeyFiles;
import dev.flota.bench.UsageException;
import dev.flota.ota.encrypted.DecryptException;
import dev.flota.ota.encrypted.DecryptionKey;
import dev.flota.ota.encrypted.ImageDecryptor;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image decrypt}: decrypt and authenticate a pre-encrypted image as the device does. */
@Command(name = "decrypt", mixinStandardHelpOptions = true,
        description = {"Decrypt a pre-encrypted image (esp_encrypted_img) with the device's key, streaming.",
                "OUT appears only once the GCM tag verified; on any failure OUT does not exist, one line says why "
                        + "and the exit code is 1 (2 for usage errors)."})
final class ImageDecryptCommand implements Callable<Integer> {

    static final class KeySource {
        @Option(names = "--key", paramLabel = "PRIVATE.pem", description = "RSA-3072 or P-256 private key")
        Path pem;

        @Option(names = "--hmac-key", paramLabel = "FILE", description = "the device's 32-byte HMAC key (ECC scheme)")
        Path hmac;
    }

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @ArgGroup(exclusive = true, multiplicity = "1")
    KeySource keySource;

    @Parameters(index = "0", paramLabel = "IN", description = "the encrypted image")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "where to write the plain image")
    Path output;

    @Override
    public Integer call() {
        DecryptionKey key = loadKey();
        if (!Files.isRegularFile(input)) {
            throw new UsageException("cannot read " + input + ": no such file");
        }
        Path absolute = output.toAbsolutePath();
        Path temporary = absolute.resolveSibling("." + absolute.getFileName() + ".part");
        ImageDecryptor decryptor = ImageDecryptor.create(key);
        try (InputStream in = Files.newInputStream(input); OutputStream out = Files.newOutputStream(temporary)) {
            byte[] buffer = new byte[65536];
            for (int n; (n = in.read(buffer)) > 0; ) {
                ByteBuffer plain = decryptor.update(ByteBuffer.wrap(buffer, 0, n));
                out.write(plain.array(), plain.arrayOffset() + plain.position(), plain.remaining());
            }
            decryptor.finish();
        } catch (DecryptException e) {
            deleteQuietly(temporary);
            deleteQuietly(output);
            spec.commandLine().getErr().println("error: " + e.error() + ": " + e.getMessage());
            return 1;
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UsageException("cannot decrypt " + input + " to " + output + ": " + e.getMessage(), e);
        }
        try {
            Files.move(temporary, output, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            deleteQuietly(temporary);
            throw new UsageException("cannot write " + output + ": " + e.getMessage(), e);
        }
        spec.commandLine().getOut().printf("Decrypted and authenticated %s (%s scheme): %d bytes to %s%n", input,
                key.scheme(), decryptor.plaintextBytes(), output);
        return 0;
    }

    private DecryptionKey loadKey() {
        Path file = keySource.pem != null ? keySource.pem : keySource.hmac;
        return KeyFiles.decryptionKey(keySource.pem, keySource.hmac, file.toString());
    }

    private static void deleteQuietly(Path path) {
        try {
            Files.deleteIfExists(path);
        } catch (IOException ignored) {
            // best effort: the failure being reported matters more
        }
    }
}
