package dev.flota.bench.host;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.bench.CliFiles;
import dev.flota.bench.Json;
import dev.flota.bench.JsonOption;
import dev.flota.bench.UsageException;
import dev.flota.flash.FormatException;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.nvs.NvsEntry;
import dev.flota.flash.nvs.NvsException;
import dev.flota.flash.nvs.NvsPartition;
import dev.flota.flash.nvs.NvsType;
import dev.flota.flash.nvs.NvsValue;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code nvs}: the keys and values ESP-IDF's {@code nvs_get_*} would read from an NVS partition. */
@Command(name = "nvs", mixinStandardHelpOptions = true,
        description = {"Dump namespaces, keys, types and values of an ESP-IDF NVS partition as nvs_get_* returns them "
                + "after mounting it (ESP-IDF's recovery rules applied; the file is not changed).",
                "FILE is a flash dump with its partition table (as 'flash create' makes; the table offset comes from "
                        + "the device properties beside it, else 0x8000) or a bare partition binary; they are told "
                        + "apart by content.",
                "Exit 0 when the partition mounts, 1 when ESP-IDF would refuse to mount it (the reason is printed), "
                        + "2 on usage errors."})
public final class NvsCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "flash dump or NVS partition binary")
    Path file;

    @Option(names = "--partition", paramLabel = "LABEL",
            description = "the NVS partition of a flash dump (default: the first data/nvs partition)")
    String label;

    @Option(names = "--read-only", description = "mount as NVS_READONLY (as for a partition flagged readonly)")
    boolean readOnly;

    @Mixin
    JsonOption json;

    @Override
    public Integer call() {
        byte[] content = CliFiles.read(file);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        long tableOffset = tableOffset();
        boolean dump = content.length >= tableOffset + PartitionTable.SECTOR_SIZE
                && (content[(int) tableOffset] & 0xFF) == 0xAA && (content[(int) tableOffset + 1] & 0xFF) == 0x50;
        byte[] image = content;
        String where = file.toString();
        NvsPartition.Mode mode = readOnly ? NvsPartition.Mode.READ_ONLY : NvsPartition.Mode.READ_WRITE;
        if (dump) {
            Partition p;
            try {
                p = partition(PartitionTable.parse(Arrays.copyOfRange(content, (int) tableOffset,
                        (int) tableOffset + PartitionTable.MAX_LENGTH)));
            } catch (FormatException e) {
                err.println("error: " + file + ": partition table at " + Json.hex(tableOffset) + ": "
                        + e.getMessage());
                return 1;
            }
            if (p.offset() + p.size() > content.length) {
                err.printf("error: %s: partition '%s' (%s + %s) is beyond the end of the %d-byte dump%n", file,
                        p.label(), Json.hex(p.offset()), Json.hex(p.size()), content.length);
                return 1;
            }
            image = Arrays.copyOfRange(content, (int) p.offset(), (int) (p.offset() + p.size()));
            where = file + " partition '" + p.label() + "' at " + Json.hex(p.offset());
            if (p.readonly()) {
                mode = NvsPartition.Mode.READ_ONLY;
            }
        } else if (label != null) {
            throw new UsageException("--partition needs a flash dump with a partition table; " + file
                    + " has none at " + Json.hex(tableOffset));
        }
        NvsPartition nvs;
        List<NvsEntry> entries;
        try {
            nvs = NvsPartition.read(image, mode);
            entries = nvs.entries();
        } catch (NvsException e) {
            err.println("error: " + where + ": ESP-IDF would not mount this NVS partition: " + e.getMessage());
            return 1;
        }
        if (json.enabled()) {
            Json.print(out, json(entries));
        } else {
            printText(out, where, nvs, entries);
        }
        return 0;
    }

    private long tableOffset() {
        Path sidecar = DeviceProperties.sidecarOf(file);
        if (Files.isRegularFile(sidecar)) {
            try {
                return DeviceProperties.load(sidecar).partitionTableOffset();
            } catch (RuntimeException e) {
                throw new UsageException(sidecar + ": " + e.getMessage(), e);
            }
        }
        return PartitionTable.DEFAULT_OFFSET;
    }

    private Partition partition(PartitionTable table) {
        if (label != null) {
            Partition p = table.find(label).orElseThrow(() -> new UsageException("the partition table has no "
                    + "partition '" + label + "'"));
            if (p.type() != Partition.TYPE_DATA || p.subtype() != Partition.SUBTYPE_DATA_NVS) {
                throw new UsageException("partition '" + label + "' is " + p.typeName() + "/" + p.subtypeName()
                        + ", not data/nvs");
            }
            return p;
        }
        return table.partitions().stream()
                .filter(p -> p.type() == Partition.TYPE_DATA && p.subtype() == Partition.SUBTYPE_DATA_NVS)
                .findFirst()
                .orElseThrow(() -> new UsageException("the partition table has no data/nvs partition"));
    }

    private static ObjectNode json(List<NvsEntry> entries) {
        ObjectNode root = Json.object();
        ArrayNode list = root.putArray("entries");
        for (NvsEntry e : entries) {
            ObjectNode o = list.addObject();
            o.put("namespace", e.namespace());
            o.put("key", e.key());
            o.put("type", e.typeName());
            NvsValue v = e.value();
            if (v.type().isInteger()) {
                o.put("value", v.bigIntegerValue());
            } else if (v.type() == NvsType.STR) {
                o.put("value", v.stringValue());
            } else {
                o.put("value", HexFormat.of().formatHex(v.bytes()));
            }
        }
        return root;
    }

    private static void printText(PrintWriter out, String where, NvsPartition nvs, List<NvsEntry> entries) {
        NvsPartition.Stats s = nvs.stats();
        out.printf("%s: %d namespace%s, %d key%s; %d of %d entries used%n", where, s.namespaceCount(),
                s.namespaceCount() == 1 ? "" : "s", entries.size(), entries.size() == 1 ? "" : "s", s.usedEntries(),
                s.totalEntries());
        for (NvsEntry e : entries) {
            out.printf("%-15s %-15s %-4s %s%n", e.namespace(), e.key(), e.typeName(), e.value().display());
        }
        out.flush();
    }
}
