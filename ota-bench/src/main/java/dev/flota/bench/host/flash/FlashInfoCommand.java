package dev.flota.bench.host.flash;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.FormatJson;
import dev.flota.bench.Json;
import dev.flota.bench.JsonOption;
import dev.flota.flash.FormatException;
import dev.flota.flash.device.Device;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.OtadataFlash;
import dev.flota.flash.device.PartitionImages;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.ImageVerification;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Spec;

/** {@code flash info}: the table, otadata, what would boot, and every app in a simulated device's flash. */
@Command(name = "info", mixinStandardHelpOptions = true,
        description = "Show a simulated device: chip, partitions, otadata, the partition a reset would boot "
                + "(simulated on a copy, nothing is written) and each app partition's image.")
final class FlashInfoCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    FlashImageFile file;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        try (FlashFiles.Opened opened = file.open()) {
            NorFlash flash = opened.flash();
            DeviceProperties properties = opened.properties();
            PartitionTable.ParseReport report;
            try {
                report = PartitionTable.inspect(flash.read(properties.partitionTableOffset(),
                        PartitionTable.MAX_LENGTH));
            } catch (FormatException e) {
                spec.commandLine().getErr().println("error: partition table at 0x"
                        + Long.toHexString(properties.partitionTableOffset()) + ": " + e.getMessage());
                return 1;
            }
            PartitionTable table = report.table();
            Device device = Device.of(flash, properties);
            ObjectNode root = Json.object();
            root.put("chip", properties.chip().esptoolName());
            root.put("chipRevision", properties.chipRevision() / 100 + "." + properties.chipRevision() % 100);
            root.put("efuseBlockRevision", DeviceProperties.revisionText(properties.efuseBlockRevision()));
            root.put("efuseSecureVersion", properties.efuseSecureVersion());
            root.set("security", EfuseJson.security(properties));
            root.put("rollback", properties.rollback());
            root.put("antiRollback", properties.antiRollback());
            root.set("partitions", FormatJson.partitionTable(table, report.md5()).get("partitions"));
            ObjectNode otadata = root.putObject("otadata");
            table.otadata().ifPresentOrElse(p -> otadata.set("entries",
                    FormatJson.otadataEntries(OtadataFlash.read(flash, p))), () -> otadata.putNull("entries"));
            String boot = wouldBoot(flash, properties);
            root.put("boot", boot);
            root.put("running", properties.runningPartition().orElse(null));
            ArrayNode apps = root.putArray("apps");
            for (Partition p : table.partitions()) {
                if (p.type() == Partition.TYPE_APP) {
                    ImageVerification image = PartitionImages.verify(flash, p, device.verifyOptions(ImageKind.APP, p));
                    ObjectNode app = apps.addObject().put("label", p.label()).put("valid", image.valid());
                    app.set("appDescription", image.appDescription().map(FormatJson::appDescription).orElse(null));
                    ArrayNode errors = app.putArray("errors");
                    image.findings().forEach(f -> errors.add(f.toString()));
                }
            }
            PrintWriter out = spec.commandLine().getOut();
            if (json.enabled()) {
                Json.print(out, root);
            } else {
                printText(out, root, table);
            }
            return boot != null ? 0 : 1;
        }
    }

    /** Runs the bootloader on an in-memory copy, so the answer includes verification but the image is not touched. */
    private static String wouldBoot(NorFlash flash, DeviceProperties properties) {
        NorFlash copy = NorFlash.create(FlashStorage.inMemory(flash.size()), FlashFiles.config());
        byte[] sector = new byte[1 << 16];
        for (long offset = 0; offset < flash.size(); offset += sector.length) {
            int n = (int) Math.min(sector.length, flash.size() - offset);
            flash.read(offset, sector, 0, n);
            copy.program(offset, sector, 0, n);
        }
        return Device.poweredOn(copy, properties).runningPartition().map(Partition::label).orElse(null);
    }

    /** One line: Secure Boot with its digest slots, flash encryption, download mode and restrictions. */
    static String securityLine(com.fasterxml.jackson.databind.JsonNode security) {
        com.fasterxml.jackson.databind.JsonNode sb = security.get("secureBoot");
        StringBuilder line = new StringBuilder("Secure Boot V2 ");
        if (sb.get("enabled").asBoolean()) {
            line.append("on (").append(sb.get("scheme").asText())
                    .append(sb.get("aggressiveRevoke").asBoolean() ? ", aggressive revoke" : "").append("), digests");
            sb.get("digests").forEach(d -> line.append(' ').append(d.get("slot").asInt()).append(':')
                    .append(d.get("revoked").asBoolean() ? "revoked" : d.get("digest").isNull() ? "-"
                            : d.get("digest").asText().substring(0, 16) + "…"));
        } else {
            line.append("off");
        }
        com.fasterxml.jackson.databind.JsonNode fe = security.get("flashEncryption");
        line.append("; flash encryption ").append(fe.get("enabled").asBoolean() ? "on" : "off").append(" (")
                .append(fe.get("cryptCntField").asText()).append(' ').append(fe.get("cryptCnt").asInt())
                .append(fe.get("keyBurned").asBoolean() ? ", key burned" : ", no key").append(")");
        line.append("; download mode ").append(security.get("downloadMode").asText());
        if (!security.get("restrictions").isEmpty()) {
            line.append("; ");
            java.util.List<String> names = new java.util.ArrayList<>();
            security.get("restrictions").forEach(r -> names.add(r.asText()));
            line.append(String.join(" ", names));
        }
        return line.toString();
    }

    private static void printText(PrintWriter out, ObjectNode root, PartitionTable table) {
        out.printf("Chip: %s rev v%s, eFuse blocks v%s, eFuse secure version %d, rollback %s, anti-rollback %s%n",
                root.get("chip").asText(), root.get("chipRevision").asText(),
                root.get("efuseBlockRevision").asText(), root.get("efuseSecureVersion").asInt(),
                root.get("rollback").asBoolean() ? "on" : "off", root.get("antiRollback").asBoolean() ? "on" : "off");
        out.println("Security: " + securityLine(root.get("security")));
        out.print(dev.flota.flash.partition.PartitionCsv.format(table));
        if (root.get("otadata").get("entries").isArray()) {
            root.get("otadata").get("entries").forEach(e -> out.printf("otadata: seq=%d state=%s crc %s%n",
                    e.get("seq").asLong(), e.get("state").asText(), e.get("crcValid").asBoolean() ? "ok" : "BAD"));
        }
        root.get("apps").forEach(app -> out.printf("%-10s %s%s%n", app.get("label").asText(),
                app.get("valid").asBoolean() ? "valid" : "INVALID",
                app.get("appDescription").isNull() ? "" : "  " + app.get("appDescription").get("projectName").asText()
                        + " " + app.get("appDescription").get("version").asText()));
        out.println("Running: " + (root.get("running").isNull() ? "(not booted)" : root.get("running").asText()));
        out.println("A reset boots: " + (root.get("boot").isNull() ? "(nothing bootable)" : root.get("boot").asText()));
    }
}
