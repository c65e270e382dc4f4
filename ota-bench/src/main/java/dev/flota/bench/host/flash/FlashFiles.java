package dev.flota.bench.host.flash;

import dev.flota.bench.UsageException;
import dev.flota.flash.FormatException;
import dev.flota.flash.device.DeviceProperties;
import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A simulated device on disk: a raw flash image (what {@code esptool read_flash} dumps) and its sidecar
 * {@code IMAGE.device.properties}. Opening one is a usage error when either is missing or unreadable.
 */
public final class FlashFiles {

    private FlashFiles() {
    }

    /** An open flash image with its device properties; close it to release the file. */
    public record Opened(NorFlash flash, FlashStorage storage, DeviceProperties properties, Path sidecar)
            implements AutoCloseable {

        public void save(DeviceProperties updated) {
            storage.flush();
            updated.save(sidecar);
        }

        @Override
        public void close() {
            storage.close();
        }
    }

    public static Opened open(Path image) {
        return open(image, FlashTiming.instant());
    }

    /** As {@link #open(Path)}, with this flash timing model (instant for the host tools, typical for a bench). */
    public static Opened open(Path image, FlashTiming timing) {
        Path sidecar = DeviceProperties.sidecarOf(image);
        if (!Files.isRegularFile(image)) {
            throw new UsageException("cannot read " + image + ": no such flash image");
        }
        if (!Files.isRegularFile(sidecar)) {
            throw new UsageException("cannot read " + sidecar + ": no device properties beside the flash image "
                    + "(create the image with 'flash create')");
        }
        DeviceProperties properties;
        long size;
        try {
            properties = DeviceProperties.load(sidecar);
            size = Files.size(image);
        } catch (FormatException | UncheckedIOException | IOException e) {
            throw new UsageException(sidecar + ": " + e.getMessage(), e);
        }
        FlashStorage storage = FlashStorage.file(image, size);
        return new Opened(NorFlash.create(storage, config().timing(timing)), storage, properties, sidecar);
    }

    static FlashConfig config() {
        return FlashConfig.defaults().timing(FlashTiming.instant());
    }
}
