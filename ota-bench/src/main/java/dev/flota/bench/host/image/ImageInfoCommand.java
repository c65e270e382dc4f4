package dev.flota.bench.host.image;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.CliFiles;
import dev.flota.bench.FormatJson;
import dev.flota.bench.Json;
import dev.flota.bench.JsonOption;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageHeader;
import dev.flota.flash.image.ImageSegment;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.image.ImageVerifier;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code image info}: what {@code esptool image_info} shows, plus every finding of the device's verification. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = {"Show an app or bootloader image's header, segments, checksum, SHA-256 and descriptors, "
                + "and verify it as esp_image_verify does.",
                "Exit 0 when the image is valid, 1 when it is not, 2 on usage errors."})
final class ImageInfoCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the image (.bin)")
    Path file;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        ImageVerification result = ImageVerifier.verify(CliFiles.read(file));
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Json.print(out, toJson(result));
        } else {
            printText(out, result);
        }
        return result.valid() ? 0 : 1;
    }

    static ObjectNode toJson(ImageVerification r) {
        ObjectNode root = Json.object();
        root.put("valid", r.valid());
        ArrayNode errors = root.putArray("errors");
        r.findings().forEach(f -> errors.add(f.toString()));
        root.put("kind", r.kind().map(k -> k.label()).orElse(null));
        ImageHeader h = r.header().orElse(null);
        root.put("chip", h == null ? null : h.chip().map(Chip::esptoolName).orElse(null));
        if (h == null) {
            root.putNull("chipId");
        } else {
            root.put("chipId", h.chipId());
        }
        root.put("spiMode", h == null ? null : h.spiModeName());
        root.put("spiSpeed", h == null ? null : h.spiSpeedName());
        root.put("flashSize", h == null ? null : h.flashSizeName());
        root.put("entry", h == null ? null : Json.hex(h.entryAddress()));
        putNumber(root, "minChipRevFull", h == null ? null : (long) h.minChipRevFull());
        putNumber(root, "maxChipRevFull", h == null ? null : (long) h.maxChipRevFull());
        ArrayNode segments = root.putArray("segments");
        for (ImageSegment s : r.segments()) {
            segments.addObject().put("loadAddress", Json.hex(s.loadAddress())).put("length", s.length());
        }
        ObjectNode checksum = root.putObject("checksum");
        putNumber(checksum, "stored", r.storedChecksum().map(Integer::longValue).orElse(null));
        checksum.put("computed", r.computedChecksum());
        checksum.put("valid", r.checksumValid());
        root.put("hashAppended", h != null && h.isHashAppended());
        if (h != null && h.isHashAppended()) {
            ObjectNode sha = root.putObject("sha256");
            sha.put("stored", r.storedSha256().orElse(null));
            sha.put("computed", r.computedSha256().orElse(null));
            sha.put("valid", r.sha256Valid());
        } else {
            root.putNull("sha256");
        }
        putNumber(root, "imageLength", r.imageLength() >= 0 ? r.imageLength() : null);
        root.set("appDescription", r.appDescription().map(FormatJson::appDescription).orElse(null));
        root.set("bootloaderDescription", r.bootloaderDescription().map(ImageInfoCommand::bootloaderJson)
                .orElse(null));
        return root;
    }

    private static ObjectNode bootloaderJson(BootloaderDescription d) {
        return Json.object().put("version", d.version()).put("idfVersion", d.idfVersion())
                .put("dateTime", d.dateTime()).put("secureVersion", d.secureVersion());
    }

    private static void putNumber(ObjectNode node, String key, Long value) {
        if (value == null) {
            node.putNull(key);
        } else {
            node.put(key, value);
        }
    }

    private static void printText(PrintWriter out, ImageVerification r) {
        r.header().ifPresent(h -> {
            out.printf("Image kind: %s%n", r.kind().map(k -> k.label()).orElse("unknown"));
            out.printf("Chip: %s (chip id %d)%n", h.chip().map(Chip::displayName).orElse("unknown"), h.chipId());
            out.printf("Entry point: 0x%08x%n", h.entryAddress());
            out.printf("Flash: mode %s, speed %s, size %s%n", h.spiModeName(), h.spiSpeedName(), h.flashSizeName());
            out.printf("Chip revision: min v%d.%d, max %s%n", h.minChipRevFull() / 100, h.minChipRevFull() % 100,
                    h.maxChipRevision().map(m -> "v" + m / 100 + "." + m % 100).orElse("not set"));
            out.printf("Segments: %d%n", r.segments().size());
        });
        for (int i = 0; i < r.segments().size(); i++) {
            ImageSegment s = r.segments().get(i);
            out.printf("  %2d  load 0x%08x  length 0x%06x  file offset 0x%06x%n", i, s.loadAddress(), s.length(),
                    s.dataOffset());
        }
        r.storedChecksum().ifPresent(c -> out.printf("Checksum: 0x%02x (%s)%n", c,
                r.checksumValid() ? "valid" : String.format("invalid, computed 0x%02x", r.computedChecksum())));
        r.storedSha256().ifPresent(s -> out.printf("SHA-256: %s (%s)%n", s, r.sha256Valid() ? "valid"
                : "invalid, computed " + r.computedSha256().orElse("-")));
        if (r.imageLength() >= 0) {
            out.printf("Image length: %d bytes%n", r.imageLength());
        }
        r.appDescription().ifPresent(d -> {
            out.printf("App: %s %s (ESP-IDF %s), built %s %s, secure version %d%n", d.projectName(), d.version(),
                    d.idfVersion(), d.date(), d.time(), d.secureVersion());
            out.printf("ELF SHA-256: %s%n", d.elfSha256());
        });
        r.bootloaderDescription().ifPresent(d -> out.printf("Bootloader: version %d (ESP-IDF %s), built %s, "
                + "secure version %d%n", d.version(), d.idfVersion(), d.dateTime(), d.secureVersion()));
        out.println(r.valid() ? "Valid image" : "INVALID image:");
        r.findings().forEach(f -> out.println("  " + f));
    }
}
