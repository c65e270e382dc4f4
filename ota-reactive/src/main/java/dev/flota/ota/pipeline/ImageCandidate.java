package dev.flota.ota.pipeline;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import java.util.Objects;
import java.util.Optional;

/**
 * What an {@link ImagePolicy} decides on: the new image's descriptor and the one the device has now. For an app,
 * its {@code esp_app_desc_t} ({@code esp_https_ota_get_img_desc}) and the running app's; for a bootloader, its
 * {@code esp_bootloader_desc_t} ({@code esp_https_ota_get_bootloader_img_desc}) and that of the bootloader in flash
 * ({@code esp_ota_get_bootloader_description}), the one the next reset starts.
 */
public sealed interface ImageCandidate {

    /** The new image's version: an app's {@code PROJECT_VER}, a bootloader's {@code CONFIG_BOOTLOADER_PROJECT_VER}. */
    String version();

    /** The version of what the device has now, when it has one. */
    Optional<String> currentVersion();

    /** An app, with the running app when the device runs one. */
    record App(AppDescription image, Optional<AppDescription> running) implements ImageCandidate {

        public App {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(running, "running");
        }

        @Override
        public String version() {
            return image.version();
        }

        @Override
        public Optional<String> currentVersion() {
            return running.map(AppDescription::version);
        }
    }

    /** A second-stage bootloader, with the one in flash when it has a descriptor. */
    record Bootloader(BootloaderDescription image, Optional<BootloaderDescription> current)
            implements ImageCandidate {

        public Bootloader {
            Objects.requireNonNull(image, "image");
            Objects.requireNonNull(current, "current");
        }

        @Override
        public String version() {
            return Long.toString(image.version());
        }

        @Override
        public Optional<String> currentVersion() {
            return current.map(c -> Long.toString(c.version()));
        }
    }
}
