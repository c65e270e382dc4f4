package dev.flota.bench.host.flash;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.Json;
import dev.flota.bench.JsonOption;
import dev.flota.flash.efuse.EfuseField;
import dev.flota.flash.efuse.Efuses;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code flash efuse}: the device's eFuses under espefuse's summary names. */
@Command(name = "efuse", mixinStandardHelpOptions = true,
        description = {"Dump a simulated device's eFuses as 'espefuse summary' names them: the Secure Boot digests "
                + "and revocations, flash-encryption key blocks, key purposes and counter, download-mode and JTAG "
                + "restrictions, the secure version and the eFuse block revision.",
                "A read-protected key block reads as zeros, as it does for software on the chip."})
final class FlashEfuseCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    FlashImageFile file;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        try (FlashFiles.Opened opened = file.open()) {
            Efuses efuses = opened.properties().efuses();
            ObjectNode fields = EfuseJson.fields(efuses);
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                Json.print(out, fields);
                return 0;
            }
            out.printf("%s eFuses (%s):%n", efuses.chip().displayName(), file.path());
            for (EfuseField field : efuses.layout().fields()) {
                JsonNode node = fields.get(field.name());
                String access = (node.get("readable").asBoolean() ? "R" : "-") + "/"
                        + (node.get("writeable").asBoolean() ? "W" : "-");
                String value = node.get("value").isBoolean() ? (node.get("value").asBoolean() ? "True" : "False")
                        : node.get("value").isTextual() ? spaced(node.get("value").asText())
                        : String.format("%d (0x%x)", node.get("value").asLong(), node.get("value").asLong());
                out.printf("%-30s (BLOCK%d) %s%n%34s= %s %s%n", field.name(), field.block(), field.description(), "",
                        value, access);
            }
            return 0;
        }
    }

    private static String spaced(String hex) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < hex.length(); i += 2) {
            out.append(i == 0 ? "" : " ").append(hex, i, i + 2);
        }
        return out.toString();
    }
}
