package dev.flota.ota.pipeline;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BiFunction;

/**
 * The caller's say on an app or bootloader image before anything is erased, like the version checks in ESP-IDF's
 * examples: given the new image's descriptor and the device's current one ({@link ImageCandidate}), return a reason to
 * refuse it, or empty to go on. A refusal fails the update with {@code POLICY_REJECTED}.
 */
@FunctionalInterface
public interface ImagePolicy {

    Optional<String> reject(ImageCandidate candidate);

    static ImagePolicy acceptAll() {
        return candidate -> Optional.empty();
    }

    /**
     * Refuse an image whose version equals what the device has: an app's version string equal to the running app's
     * ({@code advanced_https_ota}'s check), a bootloader's version number equal to that of the bootloader in flash.
     */
    static ImagePolicy skipSameVersion() {
        return candidate -> candidate.currentVersion().filter(candidate.version()::equals)
                .map(v -> (candidate instanceof ImageCandidate.Bootloader ? "bootloader " : "") + "version " + v
                        + " already runs");
    }

    /** A rule on apps, given the new descriptor and the running app's; bootloaders pass. */
    static ImagePolicy forApps(BiFunction<AppDescription, Optional<AppDescription>, Optional<String>> rule) {
        Objects.requireNonNull(rule, "rule");
        return candidate -> candidate instanceof ImageCandidate.App app ? rule.apply(app.image(), app.running())
                : Optional.empty();
    }

    /** A rule on bootloaders, given the new descriptor and that of the bootloader in flash; apps pass. */
    static ImagePolicy forBootloaders(
            BiFunction<BootloaderDescription, Optional<BootloaderDescription>, Optional<String>> rule) {
        Objects.requireNonNull(rule, "rule");
        return candidate -> candidate instanceof ImageCandidate.Bootloader b ? rule.apply(b.image(), b.current())
                : Optional.empty();
    }
}
