package dev.flota.bench.host;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.CliFiles;
import dev.flota.bench.FormatJson;
import dev.flota.bench.Json;
import dev.flota.bench.JsonOption;
import dev.flota.flash.FormatException;
import dev.flota.flash.otadata.BootSelection;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code otadata}: decode an otadata partition and tell which partition the ESP-IDF bootloader would boot. */
@Command(name = "otadata", mixinStandardHelpOptions = true,
        description = {"Decode otadata (8192 bytes) and show the partition the bootloader selects from it alone "
                + "(no image verification, no anti-rollback).",
                "Exit 0 when a partition is selected, 1 for unreadable otadata or table content or nothing to boot, "
                        + "2 on usage errors."})
public final class OtadataCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "otadata partition contents (8192 bytes)")
    Path file;

    @Option(names = "--partitions", required = true, paramLabel = "TABLE",
            description = "the partition table (binary or CSV)")
    Path partitions;

    @Option(names = "--rollback", description = "CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE: PENDING_VERIFY is aborted")
    boolean rollback;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        byte[] otadataBytes = CliFiles.read(file);
        byte[] tableBytes = CliFiles.read(partitions);
        PrintWriter out = spec.commandLine().getOut();
        OtaData otadata;
        PartitionTable table;
        try {
            otadata = OtaData.parse(otadataBytes);
        } catch (FormatException e) {
            spec.commandLine().getErr().println("error: " + file + ": " + e.getMessage());
            return 1;
        }
        try {
            table = PartitionTable.parseBinaryOrCsv(tableBytes);
        } catch (FormatException e) {
            spec.commandLine().getErr().println("error: " + partitions + ": " + e.getMessage());
            return 1;
        }
        BootSelection selection = otadata.select(table, rollback);
        Optional<Partition> boot = selection.partition(table);
        if (json.enabled()) {
            ObjectNode root = Json.object();
            root.set("entries", FormatJson.otadataEntries(otadata));
            root.put("boot", boot.map(Partition::label).orElse(null));
            Json.print(out, root);
        } else {
            printText(out, otadata, selection, boot);
        }
        if (boot.isEmpty()) {
            spec.commandLine().getErr().println("error: the partition table has no app partition to boot");
            return 1;
        }
        return 0;
    }

    private void printText(PrintWriter out, OtaData otadata, BootSelection selection, Optional<Partition> boot) {
        for (int i = 0; i < 2; i++) {
            OtaSelectEntry e = otadata.entry(i);
            out.printf("otadata[%d]: seq=0x%08x state=%s crc=0x%08x (%s)%s%n", i, e.seq(), e.stateName(), e.crc(),
                    e.crcValid() ? "ok" : "BAD", e.isValid() ? "" : e.isInvalid() ? " invalid" : " not valid");
        }
        String start = selection.factory() ? "factory" : "OTA slot " + selection.slot();
        String from = selection.activeEntry() >= 0 ? ", from otadata[" + selection.activeEntry() + "]" : "";
        out.printf("rule: %s -> %s%s%s%n", selection.source(), start, from, rollback ? " (rollback enabled)" : "");
        if (selection.otadataRewritten()) {
            for (int i = 0; i < 2; i++) {
                OtaSelectEntry before = otadata.entry(i);
                OtaSelectEntry after = selection.otadata().entry(i);
                if (!before.equals(after)) {
                    out.printf("bootloader rewrites otadata[%d]: %s -> %s%n", i, before.stateName(),
                            after.stateName());
                }
            }
        }
        out.println("boot: " + boot.map(Partition::label).orElse("(none)"));
        out.flush();
    }
}
