package dev.flota.bench.host.flash;

import picocli.CommandLine.Command;

/** {@code flash}: a simulated ESP32 kept as a raw flash image plus a sidecar of what is not in flash. */
@Command(name = "flash", mixinStandardHelpOptions = true,
        description = {"A simulated device: a raw flash image (like an esptool read_flash dump) and its sidecar "
                + "IMAGE.device.properties (chip, revision, eFuses, rollback settings, running app).",
                "Exit 0 on success, 1 when the device refuses (with the ESP error name), 2 on usage errors."},
        subcommands = {FlashCreateCommand.class, FlashInfoCommand.class, FlashWriteCommand.class,
                FlashSetBootCommand.class, FlashBootCommand.class, FlashMarkValidCommand.class,
                FlashMarkInvalidCommand.class, FlashLoaderCommand.class, FlashEfuseCommand.class,
                FlashRevokeKeyCommand.class})
public final class FlashCommand {
}
