package dev.flota.flash.image;

import dev.flota.flash.secureboot.SignaturePolicy;
import java.util.Objects;
import java.util.Optional;

/**
 * What the device knows when it verifies an image: its chip, revision and eFuse block revision, the partition the image
 * goes to, whether an app or a bootloader is expected, and the Secure Boot V2 policy for signed images. Immutable;
 * each {@code with} returns a copy. {@link #defaults()} checks the image on its own, as {@code esptool image_info}
 * does.
 */
public final class VerifyOptions {

    /** The MMU page size of images whose descriptor does not record one. */
    public static final int DEFAULT_MMU_PAGE_SIZE = 0x10000;

    private static final VerifyOptions DEFAULTS = new VerifyOptions(null, null, -1, 0, -1,
            DEFAULT_MMU_PAGE_SIZE, null);

    private final ImageKind expectedKind;
    private final Chip chip;
    private final int chipRevision;
    private final int efuseBlockRevision;
    private final long partitionSize;
    private final int mmuPageSize;
    private final SignaturePolicy signaturePolicy;

    private VerifyOptions(ImageKind expectedKind, Chip chip, int chipRevision, int efuseBlockRevision,
            long partitionSize, int mmuPageSize, SignaturePolicy signaturePolicy) {
        this.expectedKind = expectedKind;
        this.chip = chip;
        this.chipRevision = chipRevision;
        this.efuseBlockRevision = efuseBlockRevision;
        this.partitionSize = partitionSize;
        this.mmuPageSize = mmuPageSize;
        this.signaturePolicy = signaturePolicy;
    }

    public static VerifyOptions defaults() {
        return DEFAULTS;
    }

    /** Refuse an image of the other kind (an app partition needs an app, a bootloader partition a bootloader). */
    public VerifyOptions expectKind(ImageKind kind) {
        return new VerifyOptions(Objects.requireNonNull(kind), chip, chipRevision, efuseBlockRevision, partitionSize,
                mmuPageSize, signaturePolicy);
    }

    /** The device's chip and revision ({@code major * 100 + minor}), checked against the header. */
    public VerifyOptions device(Chip chip, int chipRevision) {
        if (chipRevision < 0) {
            throw new IllegalArgumentException("chip revision must be major * 100 + minor, got " + chipRevision);
        }
        return new VerifyOptions(expectedKind, Objects.requireNonNull(chip), chipRevision, efuseBlockRevision,
                partitionSize, mmuPageSize, signaturePolicy);
    }

    /**
     * The device's eFuse block revision ({@code major * 100 + minor}, v0.0 unless set), checked against an app's
     * {@code min/max_efuse_blk_rev_full} when {@link #device} is given and the chip is not an ESP32.
     */
    public VerifyOptions efuseBlockRevision(int revision) {
        if (revision < 0) {
            throw new IllegalArgumentException("eFuse block revision must be major * 100 + minor, got " + revision);
        }
        return new VerifyOptions(expectedKind, chip, chipRevision, revision, partitionSize, mmuPageSize,
                signaturePolicy);
    }

    /** The size of the target partition: the image (and its signature sector) must fit. */
    public VerifyOptions partitionSize(long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("partition size must be positive");
        }
        return new VerifyOptions(expectedKind, chip, chipRevision, efuseBlockRevision, bytes, mmuPageSize,
                signaturePolicy);
    }

    /** The MMU page size for images whose app descriptor does not state it (64 KiB unless configured). */
    public VerifyOptions mmuPageSize(int bytes) {
        if (Integer.bitCount(bytes) != 1 || bytes < 0x1000 || bytes > 0x10000) {
            throw new IllegalArgumentException("MMU page size must be a power of two from 4 KiB to 64 KiB");
        }
        return new VerifyOptions(expectedKind, chip, chipRevision, efuseBlockRevision, partitionSize, bytes,
                signaturePolicy);
    }

    /** Require a Secure Boot V2 signature sector after the image, accepted under {@code policy}. */
    public VerifyOptions signaturePolicy(SignaturePolicy policy) {
        return new VerifyOptions(expectedKind, chip, chipRevision, efuseBlockRevision, partitionSize, mmuPageSize,
                Objects.requireNonNull(policy));
    }

    public Optional<ImageKind> expectedKind() {
        return Optional.ofNullable(expectedKind);
    }

    public Optional<Chip> chip() {
        return Optional.ofNullable(chip);
    }

    /** The device revision, meaningful only when {@link #chip()} is present. */
    public int chipRevision() {
        return chipRevision;
    }

    /** The device's eFuse block revision, meaningful only when {@link #chip()} is present. */
    public int efuseBlockRevision() {
        return efuseBlockRevision;
    }

    /** The partition size, or -1 when unbounded. */
    public long partitionSize() {
        return partitionSize;
    }

    public int mmuPageSize() {
        return mmuPageSize;
    }

    public Optional<SignaturePolicy> signaturePolicy() {
        return Optional.ofNullable(signaturePolicy);
    }

    /** Equal options check an image the same way: a device's check of an image can stand for another device's. */
    @Override
    public boolean equals(Object other) {
        return other instanceof VerifyOptions o && o.expectedKind == expectedKind && Objects.equals(o.chip, chip)
                && o.chipRevision == chipRevision && o.efuseBlockRevision == efuseBlockRevision
                && o.partitionSize == partitionSize && o.mmuPageSize == mmuPageSize
                && Objects.equals(o.signaturePolicy, signaturePolicy);
    }

    @Override
    public int hashCode() {
        return Objects.hash(expectedKind, chip, chipRevision, efuseBlockRevision, partitionSize, mmuPageSize,
                signaturePolicy);
    }
}
