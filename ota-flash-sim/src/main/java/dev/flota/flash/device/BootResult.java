package dev.flota.flash.device;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.partition.Partition;
import java.util.List;
import java.util.Optional;

/**
 * What one boot did: the partition started (empty when nothing was bootable), its app description, the otadata the
 * bootloader rewrote, and each thing it refused with the reason: a bootloader image the ROM did not load, a partition
 * table, an app candidate.
 *
 * @param booted         the app partition started
 * @param appDescription its {@code esp_app_desc_t}
 * @param otadataChanges one line per otadata entry the bootloader rewrote
 * @param skipped        one line per bootloader image, table or app candidate that did not verify
 * @param events         what else the bootloader did, one line each (first-boot flash encryption and its reset)
 */
public record BootResult(Optional<Partition> booted, Optional<AppDescription> appDescription,
        List<String> otadataChanges, List<String> skipped, List<String> events) {

    public BootResult {
        otadataChanges = List.copyOf(otadataChanges);
        skipped = List.copyOf(skipped);
        events = List.copyOf(events);
    }

    public BootResult(Optional<Partition> booted, Optional<AppDescription> appDescription,
            List<String> otadataChanges, List<String> skipped) {
        this(booted, appDescription, otadataChanges, skipped, List.of());
    }

    public String bootedLabel() {
        return booted.map(Partition::label).orElse("none");
    }
}
