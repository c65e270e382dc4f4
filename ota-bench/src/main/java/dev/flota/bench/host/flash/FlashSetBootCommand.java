package dev.flota.bench.host.flash;

import dev.flota.flash.EspError;
import dev.flota.flash.ota.OtaException;
import dev.flota.flash.ota.OtaOperations;
import dev.flota.flash.partition.Partition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flash set-boot}: {@code esp_ota_set_boot_partition}. */
@Command(name = "set-boot", mixinStandardHelpOptions = true,
        description = {"esp_ota_set_boot_partition: verify the app in a partition and make it boot next.",
                "Refused (exit 1, the ESP error name) when the image does not verify for this device; otadata is "
                        + "then untouched. With Secure Boot V2 that includes an app no trusted, unrevoked eFuse key "
                        + "signed. With anti-rollback an app below the eFuse secure version is erased, as "
                        + "ESP-IDF does."})
final class FlashSetBootCommand extends FlashDeviceCommand {

    @Option(names = "--partition", required = true, paramLabel = "LABEL", description = "the app partition")
    String label;

    @Override
    String apply(OtaOperations ota) {
        Partition partition = ota.device().partitionTable().find(label).orElseThrow(() -> new OtaException(
                EspError.ESP_ERR_NOT_FOUND, "no partition '" + label + "'"));
        ota.setBootPartition(partition);
        return "Boot partition set to '" + label + "'";
    }
}
