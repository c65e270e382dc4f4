package dev.flota.bench.host.flash;

import dev.flota.flash.ota.OtaOperations;
import picocli.CommandLine.Command;

/** {@code flash mark-valid}: {@code esp_ota_mark_app_valid_cancel_rollback} from the running app. */
@Command(name = "mark-valid", mixinStandardHelpOptions = true,
        description = "esp_ota_mark_app_valid_cancel_rollback, as the app started by 'flash boot' would call it.")
final class FlashMarkValidCommand extends FlashDeviceCommand {

    @Override
    String apply(OtaOperations ota) {
        ota.markAppValidCancelRollback();
        return "Marked '" + ota.getRunningPartition().map(p -> p.label()).orElse("?") + "' valid";
    }
}
