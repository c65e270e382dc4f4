package dev.flota.bench.host.image;

import dev.flota.bench.CliFiles;
import dev.flota.bench.UsageException;
import dev.flota.flash.FormatException;
import dev.flota.ota.encrypted.EncryptionKey;
import dev.flota.ota.encrypted.ImageEncryptor;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image encrypt}: what {@code esp_enc_img_gen.py encrypt} writes. */
@Command(name = "encrypt", mixinStandardHelpOptions = true,
        description = {"Encrypt an image for esp_encrypted_img (pre-encrypted OTA), like esp_enc_img_gen.py encrypt.",
                "An RSA-3072 public key gives the RSA scheme, a P-256 public key the ECC (ECIES) scheme."})
final class ImageEncryptCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "PUBLIC.pem", description = "the device's public key")
    Path key;

    @Parameters(index = "0", paramLabel = "IN", description = "the plain image")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "where to write the encrypted image")
    Path output;

    @Override
    public Integer call() {
        EncryptionKey encryptionKey;
        try {
            encryptionKey = EncryptionKey.fromPem(CliFiles.readText(key));
        } catch (FormatException | IllegalArgumentException e) {
            throw new UsageException(key + ": " + e.getMessage(), e);
        }
        byte[] encrypted = ImageEncryptor.encrypt(CliFiles.read(input), encryptionKey);
        CliFiles.write(output, encrypted);
        spec.commandLine().getOut().printf("Encrypted %s (%s scheme): wrote %d bytes to %s%n", input,
                encryptionKey.scheme(), encrypted.length, output);
        return 0;
    }
}
