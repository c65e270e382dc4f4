package dev.flota.bench.host.flash;

import dev.flota.flash.ota.OtaOperations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code flash revoke-key}: {@code esp_ota_revoke_secure_boot_public_key}. */
@Command(name = "revoke-key", mixinStandardHelpOptions = true,
        description = {"esp_ota_revoke_secure_boot_public_key: burn SECURE_BOOT_KEY_REVOKE<N> on a device with "
                + "Secure Boot V2, from then on apps signed only by that key are refused and not booted.",
                "Refused (exit 1, ESP_FAIL) unless the running app (and the bootloader in flash) verifies with "
                        + "another unrevoked key; a slot already empty is left as is. Not on esp32 and esp32c2."})
final class FlashRevokeKeyCommand extends FlashDeviceCommand {

    @Option(names = "--digest", required = true, paramLabel = "N", description = "the key digest slot, 0..2")
    int digest;

    @Override
    String apply(OtaOperations ota) {
        boolean wasRevoked = digest < 0 || ota.device().properties().efuses().security().secureBootDigests().size() <= digest
                || ota.device().properties().efuses().security().secureBootDigests().get(digest).isEmpty();
        ota.revokeSecureBootPublicKey(digest);
        return wasRevoked ? "Key digest " + digest + " is already revoked or empty: nothing burned"
                : "Burned SECURE_BOOT_KEY_REVOKE" + digest + ": key digest " + digest + " is revoked";
    }
}
