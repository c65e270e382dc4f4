package dev.flota.bench;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;

/** PLACEHOLDER: replaced by the real command. */
@Command(name = "verify", mixinStandardHelpOptions = true, description = "(not yet implemented)")
final class ImageVerifyCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        throw new UsageException("verify is not implemented yet");
    }
}
