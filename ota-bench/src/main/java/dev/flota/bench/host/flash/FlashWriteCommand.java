package dev.flota.bench.host.flash;

import dev.flota.bench.CliFiles;
import dev.flota.bench.UsageException;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import dev.flota.flash.partition.PartitionTable;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code flash write}: erase a partition and write raw bytes into it, as {@code esptool write_flash} would. */
@Command(name = "write", mixinStandardHelpOptions = true,
        description = "Erase a partition and write raw bytes (an image, a table, data) at its start.")
final class FlashWriteCommand implements Callable<Integer> {

    @Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Mixin
    FlashImageFile file;

    @Option(names = "--partition", required = true, paramLabel = "LABEL", description = "the partition to write")
    String label;

    @Parameters(index = "1", paramLabel = "IMAGE", description = "the bytes to write")
    Path image;

    @Override
    public Integer call() {
        byte[] bytes = CliFiles.read(image);
        try (FlashFiles.Opened opened = file.open()) {
            NorFlash flash = opened.flash();
            DeviceProperties properties = opened.properties();
            Partition partition = PartitionTable.parse(flash.read(properties.partitionTableOffset(),
                    PartitionTable.MAX_LENGTH)).find(label).orElseThrow(() -> new UsageException(
                            "no partition '" + label + "' in the table of " + file.path()));
            if (bytes.length > partition.size()) {
                spec.commandLine().getErr().printf("error: %s (%d bytes) does not fit partition '%s' (%d bytes)%n",
                        image, bytes.length, label, partition.size());
                return 1;
            }
            flash.eraseRange(partition.offset(), partition.size());
            flash.program(partition.offset(), bytes);
            opened.save(properties);
            spec.commandLine().getOut().printf("Wrote %d bytes into '%s' at 0x%x%n", bytes.length, label,
                    partition.offset());
            return 0;
        }
    }
}
