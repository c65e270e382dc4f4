package dev.flota.flash.encryption;

import dev.flota.flash.EspError;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What the bootloader's first-boot pass ({@code esp_flash_encrypt_contents}) does to a plaintext device: the regions
 * it encrypts, in its order, each rounded up to whole 4 KiB sectors, and the failure that stops it after them, if
 * any. On a failure the regions before it are encrypted all the same, {@code CRYPT_CNT} is not burned and the app is
 * not started.
 */
public record FirstBootPlan(List<EncryptedRegion> regions, Optional<Failure> failure) {

    /** Why the pass stopped: the error and ESP-IDF's log text. */
    public record Failure(EspError error, String message) {
        public Failure {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(message, "message");
        }

        public FlashEncryptionException toException() {
            return new FlashEncryptionException(error, message);
        }
    }

    public FirstBootPlan {
        regions = List.copyOf(regions);
        Objects.requireNonNull(failure, "failure");
    }

    public boolean completes() {
        return failure.isEmpty();
    }

    /** Bytes the pass transforms. */
    public long bytes() {
        return regions.stream().mapToLong(EncryptedRegion::length).sum();
    }
}
