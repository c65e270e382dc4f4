package dev.flota.bench;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.otadata.OtaData;
import dev.flota.flash.otadata.OtaSelectEntry;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.partition.PartitionTable.ParseReport.Md5Status;

/**
 * The JSON form of the ESP-IDF structures that more than one command prints: an app description ({@code image
 * info}, {@code flash info}, {@code flash boot}, {@code update --json-events}), a partition table ({@code partitions},
 * {@code flash info}) and the otadata entries ({@code otadata}, {@code flash info}). One encoder each, so the keys
 * are the same wherever they appear.
 */
public final class FormatJson {

    private FormatJson() {
    }

    /** {@code {projectName, version, idfVersion, date, time, secureVersion, elfSha256, ...}}. */
    public static ObjectNode appDescription(AppDescription d) {
        return Json.object().put("projectName", d.projectName()).put("version", d.version())
                .put("idfVersion", d.idfVersion()).put("date", d.date()).put("time", d.time())
                .put("secureVersion", d.secureVersion()).put("elfSha256", d.elfSha256())
                .put("minEfuseBlkRevFull", d.minEfuseBlkRevFull()).put("maxEfuseBlkRevFull", d.maxEfuseBlkRevFull())
                .put("mmuPageSize", d.mmuPageSizeLog2());
    }

    /** {@code {partitions: [{label, type, subtype, ...}, ...], md5: {present, valid}}}. */
    public static ObjectNode partitionTable(PartitionTable table, Md5Status md5) {
        ObjectNode root = Json.object();
        ArrayNode partitions = root.putArray("partitions");
        for (Partition p : table.partitions()) {
            partitions.addObject()
                    .put("label", p.label())
                    .put("type", p.type())
                    .put("subtype", p.subtype())
                    .put("typeName", p.typeName())
                    .put("subtypeName", p.subtypeName())
                    .put("offset", p.offset())
                    .put("size", p.size())
                    .put("encrypted", p.encrypted())
                    .put("readonly", p.readonly());
        }
        root.putObject("md5").put("present", md5 != Md5Status.ABSENT).put("valid", md5 == Md5Status.VALID);
        return root;
    }

    /** {@code [{seq, state, crcValid}, ...]}. */
    public static ArrayNode otadataEntries(OtaData otadata) {
        ArrayNode entries = Json.MAPPER.createArrayNode();
        for (OtaSelectEntry e : otadata.entries()) {
            entries.addObject().put("seq", e.seq()).put("state", e.stateName()).put("crcValid", e.crcValid());
        }
        return entries;
    }
}
