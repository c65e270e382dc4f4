package dev.flota.flash.image;

import dev.flota.flash.secureboot.SignatureVerdict;
import java.util.List;
import java.util.Optional;

/**
 * The outcome of verifying one image: every field {@code esptool image_info} shows, both sides of each integrity check,
 * and every finding. {@link #valid()} is true only when there is no finding.
 *
 * @param findings              every reason to refuse the image, in the order the device checks them
 * @param kind                  app or bootloader, empty when the header could not be read
 * @param header                the image header, empty when fewer than 24 bytes arrived
 * @param segments              the segments found, at most {@link ImageHeader#MAX_SEGMENTS}
 * @param storedChecksum        the checksum byte in the file, empty when the image ends before it
 * @param computedChecksum      the XOR of all segment data seeded with 0xEF
 * @param storedSha256          the appended digest (lowercase hex), empty when none is appended or it is cut off
 * @param computedSha256        SHA-256 of everything up to and including the checksum byte, empty when not reached
 * @param imageLength           bytes up to the checksum, plus 32 when a digest is appended; -1 when not reached
 * @param bytesRead             every byte given to the verifier, including trailing filler
 * @param appDescription        the app descriptor when the image has one
 * @param bootloaderDescription the bootloader descriptor when the image has one
 * @param signature             the Secure Boot V2 verdict when a signature policy was configured
 */
public record ImageVerification(List<ImageFinding> findings, Optional<ImageKind> kind, Optional<ImageHeader> header,
        List<ImageSegment> segments, Optional<Integer> storedChecksum, int computedChecksum,
        Optional<String> storedSha256, Optional<String> computedSha256, long imageLength, long bytesRead,
        Optional<AppDescription> appDescription, Optional<BootloaderDescription> bootloaderDescription,
        Optional<SignatureVerdict> signature) {

    public ImageVerification {
        findings = List.copyOf(findings);
        segments = List.copyOf(segments);
    }

    public boolean valid() {
        return findings.isEmpty();
    }

    public boolean has(ImageError error) {
        return findings.stream().anyMatch(f -> f.error() == error);
    }

    public boolean checksumValid() {
        return storedChecksum.isPresent() && storedChecksum.get() == computedChecksum;
    }

    /** True when a digest is appended and matches; false when it is absent, cut off or wrong. */
    public boolean sha256Valid() {
        return storedSha256.isPresent() && storedSha256.equals(computedSha256);
    }
}
