package dev.flota.bench.host.flash;

import dev.flota.bench.ByteSize;
import dev.flota.bench.CliFiles;
import dev.flota.bench.UsageException;
import dev.flota.flash.FormatException;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.device.FlashProvisioning;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageVerifier;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.partition.PartitionTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash create}: a fresh device as {@code idf.py flash} leaves it. */
@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a raw flash image with the partition table at its offset (0x8000 unless the table "
                + "has a partition_table entry), blank otadata, and the factory app when given.")
final class FlashCreateCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "the flash image to create (overwritten if it exists)")
    Path file;

    @Option(names = "--size", required = true, paramLabel = "SIZE", description = "flash size, e.g. 4MB")
    String size;

    @Option(names = "--partitions", required = true, paramLabel = "TABLE", description = "partition table, .csv or .bin")
    Path partitions;

    @Option(names = "--chip", paramLabel = "NAME", description = "esp32, esp32c3, ... (default: the factory app's chip, "
            + "else esp32)")
    String chip;

    @Option(names = "--chip-rev", paramLabel = "MAJOR.MINOR", defaultValue = "0.0", description = "chip revision")
    String chipRevision;

    @Option(names = "--efuse-blk-rev", paramLabel = "MAJOR.MINOR", defaultValue = "0.0",
            description = "eFuse block revision, checked against an app's min/max_efuse_blk_rev_full (not on esp32)")
    String efuseBlockRevision;

    @Option(names = "--factory", paramLabel = "IMAGE", description = "app written into the factory partition "
            + "(ota_0 when the table has none)")
    Path factory;

    @Option(names = "--rollback", description = "CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE")
    boolean rollback;

    @Option(names = "--anti-rollback", description = "CONFIG_BOOTLOADER_APP_ANTI_ROLLBACK")
    boolean antiRollback;

    @Option(names = "--secure-version", paramLabel = "N", defaultValue = "0",
            description = "the eFuse secure version (with --anti-rollback)")
    int secureVersion;

    @Override
    public Integer call() {
        long bytes = ByteSize.parseFlashSize(size);
        PartitionTable table;
        try {
            table = PartitionTable.parseBinaryOrCsv(CliFiles.read(partitions),
                    PartitionCsv.Options.defaults().withFlashSize(bytes));
        } catch (FormatException e) {
            spec.commandLine().getErr().println("error: " + partitions + ": " + e.getMessage());
            return 1;
        }
        byte[] app = factory == null ? null : CliFiles.read(factory);
        DeviceProperties properties = DeviceProperties.of(chip(app));
        try {
            properties = properties.withChipRevision(DeviceProperties.parseRevision(chipRevision)).withRollback(rollback);
        } catch (IllegalArgumentException e) {
            throw new UsageException("--chip-rev: " + e.getMessage(), e);
        }
        try {
            properties = properties.withEfuseBlockRevision(DeviceProperties.parseRevision(efuseBlockRevision));
        } catch (IllegalArgumentException e) {
            throw new UsageException("--efuse-blk-rev: " + e.getMessage(), e);
        }
        if (antiRollback) {
            if (secureVersion < 0 || secureVersion > properties.efuseSecureVersionMax()) {
                throw new UsageException("--secure-version must be 0.." + properties.efuseSecureVersionMax());
            }
            properties = properties.withAntiRollback(secureVersion);
        } else if (secureVersion != 0) {
            throw new UsageException("--secure-version needs --anti-rollback");
        }
        long tableOffset = table.partitions().stream()
                .filter(p -> p.type() == Partition.TYPE_PARTITION_TABLE && p.subtype() == 0)
                .mapToLong(Partition::offset).findFirst().orElse(PartitionTable.DEFAULT_OFFSET);
        properties = properties.withPartitionTableOffset(tableOffset);
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            throw new UsageException("cannot replace " + file + ": " + e.getMessage(), e);
        }
        try (FlashStorage storage = FlashStorage.file(file, bytes)) {
            NorFlash flash = NorFlash.create(storage, FlashFiles.config());
            FlashProvisioning.provision(flash, table, tableOffset, app);
            flash.flush();
        } catch (IllegalArgumentException e) {
            spec.commandLine().getErr().println("error: " + e.getMessage());
            return 1;
        }
        properties.save(DeviceProperties.sidecarOf(file));
        spec.commandLine().getOut().printf("Created %s: %d bytes, %s rev v%d.%d, table at 0x%x (%d partitions)%s%n",
                file, bytes, properties.chip().esptoolName(), properties.chipRevision() / 100,
                properties.chipRevision() % 100, tableOffset, table.partitions().size(),
                app == null ? "" : ", factory app " + app.length + " bytes");
        if (app != null && !ImageVerifier.verify(app).valid()) {
            spec.commandLine().getErr().println("warning: the factory app does not verify: "
                    + ImageVerifier.verify(app).findings());
        }
        return 0;
    }

    private Chip chip(byte[] app) {
        if (chip != null) {
            return Chip.byName(chip).orElseThrow(() -> new UsageException("unknown chip '" + chip + "'"));
        }
        if (app != null) {
            return ImageVerifier.verify(app).header().flatMap(h -> h.chip()).orElse(Chip.ESP32);
        }
        return Chip.ESP32;
    }
}
