package dev.flota.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "otadata", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class OtadataCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UsageException("otadata is not implemented yet");
    }
}
