package dev.flota.bench.host.flash;

import dev.flota.flash.ota.OtaOperations;
import picocli.CommandLine.Command;

/** {@code flash mark-invalid}: {@code esp_ota_mark_app_invalid_rollback_and_reboot} from the running app. */
@Command(name = "mark-invalid", mixinStandardHelpOptions = true,
        description = "esp_ota_mark_app_invalid_rollback_and_reboot, as the app started by 'flash boot' would call "
                + "it: the device rolls back and reboots.")
final class FlashMarkInvalidCommand extends FlashDeviceCommand {

    @Override
    String apply(OtaOperations ota) {
        String before = ota.getRunningPartition().map(p -> p.label()).orElse("?");
        ota.markAppInvalidRollbackAndReboot();
        return "Marked '" + before + "' invalid; rebooted into '"
                + ota.getRunningPartition().map(p -> p.label()).orElse("(nothing)") + "'";
    }
}
