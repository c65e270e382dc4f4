package dev.flota.bench.host.image;

import picocli.CommandLine.Command;

/** {@code image}: inspect, sign, verify, encrypt and decrypt ESP app and bootloader images. */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Inspect, sign, verify, encrypt and decrypt ESP app and bootloader images.",
        subcommands = {ImageInfoCommand.class, ImageSignCommand.class, ImageVerifyCommand.class,
                ImageEncryptCommand.class, ImageDecryptCommand.class})
public final class ImageCommand {
}
