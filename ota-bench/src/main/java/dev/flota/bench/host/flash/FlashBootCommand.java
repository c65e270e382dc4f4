package dev.flota.bench.host.flash;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.FormatJson;
import dev.flota.bench.Json;
import dev.flota.bench.JsonOption;
import dev.flota.flash.device.BootResult;
import dev.flota.flash.device.Device;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code flash boot}: a reset; persists what the bootloader writes and which app now runs. */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = "Simulate a reset: the bootloader picks, verifies and starts an app, writing otadata as "
                + "ESP-IDF's does (rollback, anti-rollback). Exit 1 when nothing is bootable.")
final class FlashBootCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    FlashImageFile file;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        try (FlashFiles.Opened opened = file.open()) {
            Device device = Device.of(opened.flash(), opened.properties());
            BootResult boot = device.reboot();
            opened.save(device.properties());
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                ObjectNode root = Json.object();
                root.put("booted", boot.booted().map(p -> p.label()).orElse(null));
                root.set("appDescription", boot.appDescription().map(FormatJson::appDescription).orElse(null));
                ArrayNode changes = root.putArray("otadataChanges");
                boot.otadataChanges().forEach(changes::add);
                ArrayNode skipped = root.putArray("skipped");
                boot.skipped().forEach(skipped::add);
                Json.print(out, root);
            } else {
                boot.otadataChanges().forEach(c -> out.println("bootloader wrote " + c));
                boot.skipped().forEach(s -> out.println("skipped " + s));
                out.println("Booted: " + boot.booted().map(p -> p.label() + boot.appDescription().map(d -> " ("
                        + d.projectName() + " " + d.version() + ")").orElse("")).orElse("(nothing bootable)"));
            }
            return boot.booted().isPresent() ? 0 : 1;
        }
    }
}
