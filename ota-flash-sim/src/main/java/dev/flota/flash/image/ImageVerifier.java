package dev.flota.flash.image;

import dev.flota.flash.secureboot.SignaturePolicy;
import dev.flota.flash.secureboot.SignatureSector;
import dev.flota.flash.secureboot.SignatureVerdict;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;

/**
 * A streaming {@code esp_image_verify}: give it the image in chunks of any size with {@link #update(ByteBuffer)}, then
 * call {@link #finish()}. The result is the same whatever the chunking, and memory stays at a few KiB whatever the image
 * size: no buffer is ever sized by a length read from the image.
 *
 * <p>Checks run in the device's order (magic, chip, segment count, segment headers, the app's eFuse block revision,
 * checksum, size, SHA-256, signature) and every finding is reported, except that a fatal one (bad magic, too many
 * segments, an impossible segment length, truncation) stops the parse because nothing after it can be located. Not
 * thread-safe; one instance per image.
 */
public final class ImageVerifier {

    /** Segments of 16 MiB or more are refused, as the device does. */
    public static final long MAX_SEGMENT_LENGTH = 16L * 1024 * 1024;
    static final int SECTOR = 4096;
    private static final int DIGEST_SIZE = 32;

    private enum Stage { HEADER, SEGMENT_HEADER, SEGMENT_DATA, PADDING, CHECKSUM, DIGEST, FILLER, SIGNATURE, TRAILER }

    private final VerifyOptions options;
    private final SignaturePolicy policy;
    private final ImageDigests digests;
    private final byte[] scratch = new byte[SECTOR];
    private final byte[] descriptor = new byte[AppDescription.SIZE];
    private final List<ImageSegment> segments = new ArrayList<>();
    private final List<ImageFinding> findings = new ArrayList<>();

    private Stage stage = Stage.HEADER;
    private int scratchFill;
    private long position;
    private boolean stopped;
    private ImageHeader header;
    private long segmentRemaining;
    private int descriptorFill;
    private long checksumOffset = -1;
    private Integer storedChecksum;
    private String computedSha256;
    private String storedSha256;
    private long imageLength = -1;
    private long signatureOffset = -1;
    private byte[] signedSha256;
    private byte[] signedSha384;
    private SignatureSector sector;
    private ImageVerification result;

    private ImageVerifier(VerifyOptions options) {
        this.options = options;
        this.policy = options.signaturePolicy().orElse(null);
        this.digests = new ImageDigests(policy != null && policy.needsSha384());
    }

    public static ImageVerifier create(VerifyOptions options) {
        return new ImageVerifier(options);
    }

    /** Verifies a whole image held in memory. */
    public static ImageVerification verify(byte[] image, VerifyOptions options) {
        return create(options).update(ByteBuffer.wrap(image)).finish();
    }

    public static ImageVerification verify(byte[] image) {
        return verify(image, VerifyOptions.defaults());
    }

    /** Consumes every remaining byte of {@code chunk}. */
    public ImageVerifier update(ByteBuffer chunk) {
        if (result != null) {
            throw new IllegalStateException("finish() was already called");
        }
        while (chunk.hasRemaining()) {
            if (stopped || stage == Stage.TRAILER) {
                position += chunk.remaining();
                chunk.position(chunk.limit());
                return this;
            }
            switch (stage) {
                case HEADER -> {
                    if (fill(chunk, ImageHeader.SIZE)) {
                        onHeader();
                    }
                }
                case SEGMENT_HEADER -> {
                    if (fill(chunk, SegmentHeader.SIZE)) {
                        onSegmentHeader();
                    }
                }
                case SEGMENT_DATA -> segmentData(chunk);
                case PADDING -> skipHashed(chunk, checksumOffset, Stage.CHECKSUM);
                case CHECKSUM -> onChecksum(chunk.get());
                case DIGEST -> {
                    if (fill(chunk, DIGEST_SIZE)) {
                        storedSha256 = HexFormat.of().formatHex(scratch, 0, DIGEST_SIZE);
                        digests.hash(ByteBuffer.wrap(scratch, 0, DIGEST_SIZE));
                        afterImage();
                    }
                }
                case FILLER -> skipHashed(chunk, signatureOffset, Stage.SIGNATURE);
                case SIGNATURE -> {
                    if (position == signatureOffset && scratchFill == 0) {
                        signedSha256 = digests.sha256();
                        signedSha384 = digests.sha384();
                    }
                    if (fill(chunk, SECTOR)) {
                        sector = SignatureSector.parse(scratch);
                        stage = Stage.TRAILER;
                    }
                }
                default -> throw new IllegalStateException(stage.name());
            }
        }
        return this;
    }

    /** Ends the stream and returns the verdict; the result is cached, so calling it twice is harmless. */
    public ImageVerification finish() {
        if (result != null) {
            return result;
        }
        if (!stopped) {
            if (stage.compareTo(Stage.DIGEST) <= 0) {
                truncated();
            }
            Optional<AppDescription> app = appDescription();
            checkSegments(app);
            checkKind(app);
            checkIntegrity();
        }
        ImageKind kind = header == null || header.magic() != ImageHeader.MAGIC ? null : kind(appDescription());
        result = new ImageVerification(findings, Optional.ofNullable(kind), Optional.ofNullable(header), segments,
                Optional.ofNullable(storedChecksum), digests.checksum(), Optional.ofNullable(storedSha256),
                Optional.ofNullable(computedSha256), imageLength, position, appDescription(),
                bootloaderDescription(), Optional.ofNullable(signatureVerdict()));
        return result;
    }

    /** The header once its 24 bytes have arrived, so a pipeline can check the chip before writing anything. */
    public Optional<ImageHeader> header() {
        return Optional.ofNullable(header);
    }

    /** The app descriptor once the first 288 bytes have arrived and hold one. */
    public Optional<AppDescription> appDescription() {
        return descriptorFill == AppDescription.SIZE && AppDescription.isPresent(descriptor, 0)
                ? Optional.of(AppDescription.parse(descriptor, 0)) : Optional.empty();
    }

    /** The bootloader descriptor once the first 104 bytes have arrived and hold one. */
    public Optional<BootloaderDescription> bootloaderDescription() {
        return BootloaderDescription.isPresent(trimmedDescriptor(), 0)
                ? Optional.of(BootloaderDescription.parse(trimmedDescriptor(), 0)) : Optional.empty();
    }

    /** Findings so far; a fatal one means the rest of the stream is ignored. */
    public List<ImageFinding> findings() {
        return List.copyOf(findings);
    }

    public long bytesRead() {
        return position;
    }

    /**
     * False once further bytes cannot change the verdict: the image (and its signature sector, when a policy is set)
     * has been read, or a fatal finding stopped the parse. Lets a reader of flash stop at the end of the image.
     */
    public boolean needsMoreInput() {
        return !stopped && stage != Stage.TRAILER;
    }

    private byte[] trimmedDescriptor() {
        return descriptorFill == AppDescription.SIZE ? descriptor : java.util.Arrays.copyOf(descriptor, descriptorFill);
    }

    private boolean fill(ByteBuffer chunk, int size) {
        int n = Math.min(size - scratchFill, chunk.remaining());
        chunk.get(scratch, scratchFill, n);
        scratchFill += n;
        position += n;
        if (scratchFill < size) {
            return false;
        }
        scratchFill = 0;
        return true;
    }

    private void onHeader() {
        header = ImageHeader.parse(scratch, 0);
        digests.hash(ByteBuffer.wrap(scratch, 0, ImageHeader.SIZE));
        if (header.magic() != ImageHeader.MAGIC) {
            stop(ImageError.INVALID_MAGIC, String.format("image magic 0x%02x, expected 0xe9", header.magic()));
            return;
        }
        options.chip().ifPresent(chip -> DeviceChecks.chip(header, chip, options.chipRevision(), this::add));
        if (header.segmentCount() > ImageHeader.MAX_SEGMENTS) {
            stop(ImageError.TOO_MANY_SEGMENTS,
                    "segment count " + header.segmentCount() + " exceeds " + ImageHeader.MAX_SEGMENTS);
            return;
        }
        nextSegment();
    }

    private void nextSegment() {
        if (segments.size() < header.segmentCount()) {
            stage = Stage.SEGMENT_HEADER;
            return;
        }
        checksumOffset = position | 0xF;
        stage = position == checksumOffset ? Stage.CHECKSUM : Stage.PADDING;
    }

    private void onSegmentHeader() {
        SegmentHeader segment = SegmentHeader.parse(scratch, 0);
        digests.hash(ByteBuffer.wrap(scratch, 0, SegmentHeader.SIZE));
        int index = segments.size();
        if (segment.dataLength() >= MAX_SEGMENT_LENGTH) {
            stop(ImageError.SEGMENT_TOO_LARGE, String.format("segment %d length 0x%x is not below 16 MB", index,
                    segment.dataLength()));
            return;
        }
        if (segment.dataLength() % 4 != 0) {
            stop(ImageError.SEGMENT_LENGTH_UNALIGNED, String.format("segment %d length 0x%x is not a multiple of 4",
                    index, segment.dataLength()));
            return;
        }
        segments.add(new ImageSegment(segment.loadAddress(), segment.dataLength(), position));
        segmentRemaining = segment.dataLength();
        if (segmentRemaining == 0) {
            nextSegment();
        } else {
            stage = Stage.SEGMENT_DATA;
        }
    }

    private void segmentData(ByteBuffer chunk) {
        int n = (int) Math.min(segmentRemaining, chunk.remaining());
        ByteBuffer data = chunk.slice(chunk.position(), n);
        if (segments.size() == 1 && descriptorFill < AppDescription.SIZE) {
            int take = Math.min(n, AppDescription.SIZE - descriptorFill);
            data.get(data.position(), descriptor, descriptorFill, take);
            descriptorFill += take;
            if (descriptorFill == AppDescription.SIZE) {
                onDescriptor();
            }
        }
        digests.checksum(data);
        digests.hash(data);
        chunk.position(chunk.position() + n);
        position += n;
        segmentRemaining -= n;
        if (segmentRemaining == 0) {
            nextSegment();
        }
    }

    /** The eFuse block check of an app's segment 0; a bootloader's descriptor is not an app's, so it is skipped. */
    private void onDescriptor() {
        if (options.chip().isPresent() && options.expectedKind().orElse(ImageKind.APP) == ImageKind.APP) {
            appDescription().ifPresent(app -> DeviceChecks.efuseBlock(app, options.chip().get(),
                    options.efuseBlockRevision(), this::add));
        }
    }

    private void skipHashed(ByteBuffer chunk, long until, Stage next) {
        int n = (int) Math.min(until - position, chunk.remaining());
        digests.hash(chunk.slice(chunk.position(), n));
        chunk.position(chunk.position() + n);
        position += n;
        if (position == until) {
            stage = next;
        }
    }

    private void onChecksum(byte value) {
        storedChecksum = value & 0xFF;
        digests.hash(value);
        position++;
        computedSha256 = HexFormat.of().formatHex(digests.sha256());
        imageLength = position + (header.isHashAppended() ? DIGEST_SIZE : 0);
        if (header.isHashAppended()) {
            stage = Stage.DIGEST;
        } else {
            afterImage();
        }
    }

    private void afterImage() {
        if (policy == null) {
            stage = Stage.TRAILER;
            return;
        }
        signatureOffset = (imageLength + SECTOR - 1) / SECTOR * SECTOR;
        stage = position == signatureOffset ? Stage.SIGNATURE : Stage.FILLER;
    }

    private void truncated() {
        String where = switch (stage) {
            case HEADER -> "inside the 24-byte image header";
            case SEGMENT_HEADER -> "inside the header of segment " + segments.size();
            case SEGMENT_DATA -> String.format("inside segment %d data, 0x%x bytes short", segments.size() - 1,
                    segmentRemaining);
            case PADDING, CHECKSUM -> "before the checksum byte at offset " + String.format("0x%x", checksumOffset);
            case DIGEST -> "where hash_appended=1 needs the 32-byte SHA-256 digest";
            default -> "early";
        };
        add(ImageError.TRUNCATED, "image truncated at " + position + " bytes, " + where);
    }

    private void checkSegments(Optional<AppDescription> app) {
        if (header == null) {
            return;
        }
        int page = app.map(d -> d.mmuPageSize(options.mmuPageSize())).orElse(options.mmuPageSize());
        header.chip().ifPresent(chip -> DeviceChecks.mmuAlignment(segments, chip, page, this::add));
        if (kind(app) == ImageKind.APP && !segments.isEmpty() && segments.get(0).length() < AppDescription.SIZE) {
            add(ImageError.FIRST_SEGMENT_TOO_SHORT, "segment 0 of an app holds the 256-byte app descriptor but is "
                    + segments.get(0).length() + " bytes");
        }
    }

    private void checkKind(Optional<AppDescription> app) {
        ImageKind expected = options.expectedKind().orElse(null);
        if (expected == null || header == null) {
            return;
        }
        if (expected == ImageKind.APP && app.isEmpty()) {
            add(ImageError.MISSING_APP_DESCRIPTION, "no esp_app_desc_t (magic 0xABCD5432) at offset 0x20");
        } else if (kind(app) != expected) {
            add(ImageError.WRONG_IMAGE_KIND, "expected " + expected.label() + " image, got " + kind(app).label());
        }
    }

    private void checkIntegrity() {
        if (storedChecksum != null && storedChecksum != digests.checksum()) {
            add(ImageError.CHECKSUM_MISMATCH, String.format("checksum 0x%02x stored, 0x%02x computed", storedChecksum,
                    digests.checksum()));
        }
        long partition = options.partitionSize();
        long needed = signatureOffset > 0 ? signatureOffset + SECTOR : imageLength;
        if (partition > 0 && needed > partition) {
            add(ImageError.IMAGE_TOO_LARGE, String.format("image needs 0x%x bytes, partition holds 0x%x", needed,
                    partition));
        }
        if (storedSha256 != null && !storedSha256.equals(computedSha256)) {
            add(ImageError.SHA256_MISMATCH, "appended SHA-256 " + storedSha256 + " but image hashes to "
                    + computedSha256);
        }
        if (policy != null && imageLength > 0) {
            SignatureVerdict verdict = signatureVerdict();
            if (verdict == null) {
                add(ImageError.SIGNATURE_MISSING, String.format(
                        "no 4096-byte signature sector at offset 0x%x (file has %d bytes)", signatureOffset, position));
            } else if (!verdict.accepted()) {
                add(ImageError.SIGNATURE_INVALID, verdict.reason());
            }
        }
    }

    private SignatureVerdict signatureVerdict() {
        return sector == null ? null : policy.verify(sector, signedSha256, signedSha384);
    }

    private ImageKind kind(Optional<AppDescription> app) {
        return ImageKind.of(app, bootloaderDescription(), header.chip().orElse(Chip.ESP32), segments);
    }

    private void stop(ImageError error, String message) {
        add(error, message);
        stopped = true;
    }

    private void add(ImageError error, String message) {
        findings.add(new ImageFinding(error, message));
    }
}
