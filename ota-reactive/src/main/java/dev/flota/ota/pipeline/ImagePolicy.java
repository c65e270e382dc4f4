package dev.flota.ota.pipeline;

import dev.flota.flash.image.AppDescription;
import java.util.Objects;
import java.util.Optional;

/**
 * The caller's say on an image before anything is erased, like the version checks in ESP-IDF's examples: return a
 * reason to refuse it, or empty to go on.
 */
@FunctionalInterface
public interface ImagePolicy {

    /** @param running the app the device runs now, when it has one */
    Optional<String> reject(AppDescription image, Optional<AppDescription> running);

    static ImagePolicy acceptAll() {
        return (image, running) -> Optional.empty();
    }

    /** Refuse an image whose version string equals the running app's ({@code advanced_https_ota}'s check). */
    static ImagePolicy skipSameVersion() {
        return (image, running) -> running.filter(r -> Objects.equals(r.version(), image.version()))
                .map(r -> "version " + image.version() + " already runs");
    }
}
