package dev.flota.bench.host.image;

import dev.flota.bench.CliFiles;
import dev.flota.bench.KeyFiles;
import dev.flota.bench.UsageException;
import dev.flota.flash.secureboot.ImageSigner;
import dev.flota.flash.secureboot.SecureBootSigner;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image sign}: append a Secure Boot V2 signature sector, as {@code espsecure sign-data --version 2} does. */
@Command(name = "sign", mixinStandardHelpOptions = true,
        description = {"Sign an image for Secure Boot V2 (and signed OTA): pad with 0xFF to 4 KiB and append the "
                + "signature sector, like espsecure sign-data --version 2.",
                "Keys: RSA-3072, ECDSA P-192, P-256 or P-384 private keys in PKCS#1, PKCS#8 or SEC1 PEM; "
                        + "repeat --key for up to 3 signature blocks."})
final class ImageSignCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--key", required = true, paramLabel = "PRIVATE.pem", description = "signing key (1 to 3)")
    List<Path> keys;

    @Parameters(index = "0", paramLabel = "IN", description = "the image to sign")
    Path input;

    @Parameters(index = "1", paramLabel = "OUT", description = "where to write the signed image")
    Path output;

    @Override
    public Integer call() {
        if (keys.size() > 3) {
            throw new UsageException("a signature sector holds at most 3 blocks, got " + keys.size() + " keys");
        }
        List<SecureBootSigner> signers = keys.stream().map(KeyFiles::signingKey).toList();
        byte[] image = CliFiles.read(input);
        byte[] signed = ImageSigner.sign(image, signers);
        CliFiles.write(output, signed);
        spec.commandLine().getOut().printf("Signed %s with %d block(s) (%s); signature sector at 0x%x; wrote %d bytes "
                + "to %s%n", input, signers.size(), signers.stream().map(s -> s.scheme().name()).toList(),
                signed.length - 4096, signed.length, output);
        return 0;
    }
}
