package dev.flota.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "partitions", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class PartitionsCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UsageException("partitions is not implemented yet");
    }
}
