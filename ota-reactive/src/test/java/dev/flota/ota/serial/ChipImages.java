package dev.flota.ota.serial;

import dev.flota.flash.image.Chip;
import dev.flota.flash.testing.TestImages;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.server.ImageServer;
import dev.flota.ota.server.RunningImageServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Version 2.0 of a synthetic app per chip, served over plain HTTP on 127.0.0.1 by Flota's image server. */
final class ChipImages implements AutoCloseable {

    /** About 156 KiB: three 64 KiB ROM segments, part of one stub segment. */
    static final int PAYLOAD = 50_000;

    private final RunningImageServer server;

    private ChipImages(RunningImageServer server) {
        this.server = server;
    }

    static ChipImages serve(Path dir) {
        try {
            for (Chip chip : List.of(Chip.ESP32, Chip.ESP32_C3, Chip.ESP32_S3)) {
                Files.write(dir.resolve(chip.esptoolName() + ".bin"), TestImages.app(chip, "2.0", PAYLOAD));
                Files.write(dir.resolve(chip.esptoolName() + "-small.bin"), TestImages.app(chip, "2.0", 1000));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return new ChipImages(ImageServer.create().directory(dir).host("127.0.0.1").port(0).bindNow());
    }

    HttpsOta ota(Chip chip) {
        return ota(chip.esptoolName() + ".bin");
    }

    /** The update to the small image (about 40 KiB), for tests that repeat it many times. */
    HttpsOta small(Chip chip) {
        return ota(chip.esptoolName() + "-small.bin");
    }

    private HttpsOta ota(String file) {
        return HttpsOta.create().url(server.url(file)).allowHttp(true)
                .timeouts(Duration.ofSeconds(5), Duration.ofSeconds(5), Duration.ofSeconds(60));
    }

    @Override
    public void close() {
        server.close();
    }
}
