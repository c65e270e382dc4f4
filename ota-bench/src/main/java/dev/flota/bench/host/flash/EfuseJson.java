package dev.flota.bench.host.flash;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.Json;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.efuse.EfuseField;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.efuse.SecurityEfuses;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/** The eFuses as JSON: every field under espefuse's summary name, and the security state {@code flash info} shows. */
final class EfuseJson {

    private EfuseJson() {
    }

    /**
     * {@code FIELD: {value, readable, writeable, block, bitLength, description}}, as {@code espefuse summary
     * --format json} has them: a 1-bit field is a boolean, a key block a hex string (zeros when read-protected),
     * the rest numbers.
     */
    static ObjectNode fields(Efuses efuses) {
        ObjectNode root = Json.object();
        for (EfuseField field : efuses.layout().fields()) {
            ObjectNode node = root.putObject(field.name());
            if (field.isBytes()) {
                node.put("value", HexFormat.of().formatHex(efuses.bytes(field.name())));
            } else if (field.bits() == 1) {
                node.put("value", efuses.isSet(field.name()));
            } else {
                node.put("value", efuses.get(field.name()));
            }
            node.put("readable", !efuses.readProtected(field.name()));
            node.put("writeable", !efuses.writeProtected(field.name()));
            node.put("block", field.block());
            node.put("bitLength", field.bits());
            node.put("description", field.description());
        }
        return root;
    }

    /** Secure Boot, flash encryption and download mode, as a firmware engineer asks about them. */
    static ObjectNode security(DeviceProperties properties) {
        Efuses efuses = properties.efuses();
        SecurityEfuses security = efuses.security();
        ObjectNode root = Json.object();
        ObjectNode secureBoot = root.putObject("secureBoot");
        secureBoot.put("enabled", security.secureBootEnabled());
        secureBoot.put("scheme", properties.effectiveSecureBootScheme().name());
        secureBoot.put("aggressiveRevoke", security.aggressiveRevoke());
        ArrayNode digests = secureBoot.putArray("digests");
        List<Optional<byte[]>> slots = security.secureBootDigests();
        for (int slot = 0; slot < slots.size(); slot++) {
            ObjectNode d = digests.addObject().put("slot", slot);
            d.put("digest", slots.get(slot).map(HexFormat.of()::formatHex).orElse(null));
            d.put("revoked", security.revoked(slot));
            d.put("block", security.digestBlock(slot).orElse(null));
        }
        ObjectNode encryption = root.putObject("flashEncryption");
        encryption.put("cryptCntField", efuses.layout().cryptCntField());
        encryption.put("cryptCnt", security.cryptCnt());
        encryption.put("enabled", security.flashEncryptionEnabled());
        encryption.put("keyBurned", security.flashEncryptionKey().isPresent());
        efuses.layout().field("FLASH_CRYPT_CONFIG").ifPresent(f -> encryption.put("flashCryptConfig",
                security.flashCryptConfig()));
        root.put("downloadMode", downloadMode(efuses));
        ArrayNode restrictions = root.putArray("restrictions");
        for (String name : List.of("DIS_DOWNLOAD_MANUAL_ENCRYPT", "DIS_DOWNLOAD_ICACHE", "DIS_DOWNLOAD_DCACHE",
                "DISABLE_DL_ENCRYPT", "DISABLE_DL_DECRYPT", "DISABLE_DL_CACHE", "DIS_DIRECT_BOOT", "DIS_PAD_JTAG",
                "DIS_USB_JTAG", "JTAG_DISABLE", "CONSOLE_DEBUG_DISABLE")) {
            if (efuses.layout().field(name).isPresent() && efuses.isSet(name)) {
                restrictions.add(name);
            }
        }
        return root;
    }

    private static String downloadMode(Efuses efuses) {
        if (isSet(efuses, "DIS_DOWNLOAD_MODE") || isSet(efuses, "UART_DOWNLOAD_DIS")) {
            return "disabled";
        }
        return isSet(efuses, "ENABLE_SECURITY_DOWNLOAD") ? "secure" : "normal";
    }

    private static boolean isSet(Efuses efuses, String name) {
        return efuses.layout().field(name).isPresent() && efuses.isSet(name);
    }
}
