package dev.flota.bench.scenarios;

import picocli.CommandLine.Command;

/** {@code bench}: load and scale scenarios, each printing a table and, with {@code --json FILE}, writing JSON. */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Benchmarks and scale scenarios.",
        subcommands = {SingleBenchCommand.class, FleetBenchCommand.class, FaultsBenchCommand.class,
                DevicesBenchCommand.class, ServerBenchCommand.class, SerialBenchCommand.class, BenchMergeCommand.class,
                ProfileBenchCommand.class})
public final class BenchCommand {
}
