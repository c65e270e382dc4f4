package dev.flota.bench.host;

import dev.flota.bench.CliFiles;
import dev.flota.bench.FormatJson;
import dev.flota.bench.Json;
import dev.flota.bench.UsageException;
import dev.flota.flash.partition.PartitionCsv;
import dev.flota.flash.partition.PartitionTable.ParseReport.Md5Status;
import dev.flota.flash.partition.PartitionTable;
import dev.flota.flash.partition.PartitionTableException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code partitions}: show a partition table (binary or CSV) or convert a CSV to binary, as gen_esp32part.py. */
@Command(name = "partitions", mixinStandardHelpOptions = true,
        description = {"Show an ESP-IDF partition table, or convert a CSV to the binary gen_esp32part.py v1.5 writes.",
                "FILE may be a binary table or a CSV; they are told apart by content.",
                "Exit 0 for a valid table, 1 for an invalid one (bad MD5, validation error), 2 on usage errors."})
public final class PartitionsCommand implements Callable<Integer> {

    private static final Pattern FLASH_SIZE = Pattern.compile("(1|2|4|8|16|32|64|128)MB");

    @Spec
    CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "binary partition table or CSV")
    Path file;

    @Option(names = "--json", description = "print JSON instead of the CSV table")
    boolean json;

    @Option(names = "--to-binary", paramLabel = "OUT", description = "write the binary table converted from the CSV")
    Path toBinary;

    @Option(names = {"--offset", "-o"}, paramLabel = "OFFSET", defaultValue = "0x8000",
            description = "partition table offset (default ${DEFAULT-VALUE})")
    String offset;

    @Option(names = "--flash-size", paramLabel = "SIZE", description = "check the table fits: 1MB, 2MB, ... 128MB")
    String flashSize;

    @Option(names = "--primary-bootloader-offset", paramLabel = "OFFSET",
            description = "offset of the primary bootloader, needed by bootloader entries")
    String primaryBootloaderOffset;

    @Option(names = "--recovery-bootloader-offset", paramLabel = "OFFSET",
            description = "offset of the recovery bootloader, needed by recovery bootloader entries")
    String recoveryBootloaderOffset;

    @Option(names = "--disable-md5sum", description = "write no MD5 entry")
    boolean disableMd5;

    @Option(names = "--no-verify", description = "skip gen_esp32part's table checks")
    boolean noVerify;

    @Override
    public Integer call() {
        PartitionCsv.Options options = options();
        byte[] content = CliFiles.read(file);
        boolean binary = PartitionTable.isBinary(content);
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (toBinary != null && binary) {
            throw new UsageException("--to-binary converts a CSV; " + file + " is already a binary table");
        }
        PartitionTable table;
        Md5Status md5;
        List<String> errors = new ArrayList<>();
        try {
            if (binary) {
                PartitionTable.ParseReport report = PartitionTable.inspect(content);
                table = report.table();
                md5 = report.md5();
            } else {
                table = PartitionCsv.parse(content, options);
                md5 = table.md5Present() ? Md5Status.VALID : Md5Status.ABSENT;
            }
        } catch (PartitionTableException e) {
            err.println("error: " + e.getMessage());
            return 1;
        }
        if (md5 == Md5Status.MISMATCH) {
            errors.add("MD5 checksums don't match: the table was changed after its MD5 entry was written");
        }
        if (binary && !noVerify) {
            try {
                table.verify(options.tableOffset());
            } catch (PartitionTableException e) {
                errors.add(e.getMessage());
            }
        }
        if (toBinary != null) {
            CliFiles.write(toBinary, table.encode(options.md5()));
        }
        if (json) {
            Json.print(out, FormatJson.partitionTable(table, md5));
        } else if (toBinary != null) {
            out.printf("Wrote %d partitions (%s MD5) to %s%n", table.partitions().size(),
                    options.md5() ? "with" : "without", toBinary);
        } else {
            out.print(PartitionCsv.format(table));
            out.flush();
        }
        errors.forEach(e -> err.println("error: " + e));
        return errors.isEmpty() ? 0 : 1;
    }

    private PartitionCsv.Options options() {
        PartitionCsv.Options options = PartitionCsv.Options.defaults()
                .withTableOffset(number("--offset", offset))
                .withMd5(!disableMd5)
                .withVerify(!noVerify);
        if (flashSize != null) {
            Matcher m = FLASH_SIZE.matcher(flashSize);
            if (!m.matches()) {
                throw new UsageException("--flash-size must be one of 1MB, 2MB, 4MB, 8MB, 16MB, 32MB, 64MB, 128MB: "
                        + flashSize);
            }
            options = options.withFlashSize(Long.parseLong(m.group(1)) * 1024 * 1024);
        }
        if (primaryBootloaderOffset != null) {
            options = options.withPrimaryBootloaderOffset(number("--primary-bootloader-offset",
                    primaryBootloaderOffset));
        }
        if (recoveryBootloaderOffset != null) {
            options = options.withRecoveryBootloaderOffset(number("--recovery-bootloader-offset",
                    recoveryBootloaderOffset));
        }
        return options;
    }

    private static long number(String option, String text) {
        try {
            long value = Long.decode(text.strip());
            if (value < 0 || value > 0xFFFFFFFFL) {
                throw new UsageException(option + " out of range: " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new UsageException(option + " is not a number: " + text, e);
        }
    }
}
