package dev.flota.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "info", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class ImageInfoCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UsageException("info is not implemented yet");
    }
}
