package dev.flota.bench.host.flash;

import java.nio.file.Path;
import picocli.CommandLine.Parameters;

/**
 * The first parameter of the {@code flash} commands, {@code FILE}: the simulated device's flash image, opened with
 * its sidecar by {@link FlashFiles#open}. A picocli mixin.
 */
final class FlashImageFile {

    @Parameters(index = "0", paramLabel = "FILE", description = "the flash image")
    private Path file;

    Path path() {
        return file;
    }

    /** The image and its device properties; a usage error when either is missing or unreadable. */
    FlashFiles.Opened open() {
        return FlashFiles.open(file);
    }

    FlashFiles.Opened open(dev.flota.flash.nor.FlashTiming timing) {
        return FlashFiles.open(file, timing);
    }
}
