package dev.flota.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "sign", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class ImageSignCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UsageException("sign is not implemented yet");
    }
}
