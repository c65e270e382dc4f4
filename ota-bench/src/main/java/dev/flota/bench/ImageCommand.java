package dev.flota.bench;

import picocli.CommandLine.Command;

/** {@code image}: inspect, sign and verify ESP app and bootloader images. */
@Command(name = "image", mixinStandardHelpOptions = true,
        description = "Inspect, sign and verify ESP app and bootloader images.",
        subcommands = {ImageInfoCommand.class, ImageSignCommand.class, ImageVerifyCommand.class})
final class ImageCommand {
}
