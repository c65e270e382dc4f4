package dev.flota.ota.pipeline;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.ImageHeader;
import dev.flota.flash.image.ImageKind;
import dev.flota.flash.image.SegmentHeader;
import dev.flota.ota.OtaError;
import dev.flota.ota.OtaEvent;
import dev.flota.ota.target.OtaTarget;
import dev.flota.ota.target.TargetIdentity;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The inspect stage: holds back the first bytes of an app or bootloader image until its header and descriptor are in
 * (288 bytes for an app, 112 for a bootloader), checks them as {@code esp_https_ota} does before the first erase
 * (descriptor, chip ID, chip revision, SPI flash mode, eFuse block revision, anti-rollback secure version, the
 * caller's policy), reports the image description, chip ID and chip revision events, then lets the image through
 * unchanged. At most 288 bytes plus one chunk are held.
 */
public final class ImageInspection {

    private static final int APP_HEADER_BYTES = ImageHeader.SIZE + SegmentHeader.SIZE + AppDescription.SIZE;
    private static final int BOOTLOADER_HEADER_BYTES = ImageHeader.SIZE + SegmentHeader.SIZE
            + BootloaderDescription.SIZE;

    private ImageInspection() {
    }

    /**
     * Inspects an image of {@code kind} for {@code target}; events go to {@code events}.
     *
     * @param verifySpiMode refuse an app built for another SPI flash mode than the running app
     *                      ({@code CONFIG_ESP_HTTPS_OTA_VERIFY_SPI_MODE})
     */
    public static Function<Flux<ByteBuffer>, Flux<ByteBuffer>> inspect(OtaTarget target, ImageKind kind,
            ImagePolicy policy, boolean verifySpiMode, Consumer<? super OtaEvent> events) {
        int needed = headerBytes(kind);
        return upstream -> Flux.defer(() -> {
            List<ByteBuffer> held = new ArrayList<>();
            long[] heldBytes = {0};
            boolean[] passed = {false};
            return upstream.concatMapIterable(chunk -> {
                if (passed[0]) {
                    return List.of(chunk);
                }
                held.add(chunk);
                heldBytes[0] += chunk.remaining();
                if (heldBytes[0] < needed) {
                    return List.of();
                }
                check(target, kind, policy, verifySpiMode, events, prefix(held, needed));
                passed[0] = true;
                List<ByteBuffer> release = new ArrayList<>(held);
                held.clear();
                return release;
            }).concatWith(Mono.defer(() -> passed[0] ? Mono.empty() : Mono.error(StageException.of(
                    OtaError.IMAGE_HEADER_INVALID, "complete headers were not received: the image has "
                            + heldBytes[0] + " bytes, its header and descriptor need " + needed))));
        });
    }

    /** The bytes an image of {@code kind} needs for its header and descriptor: 288 for an app, 112 for a bootloader. */
    public static int headerBytes(ImageKind kind) {
        return kind == ImageKind.APP ? APP_HEADER_BYTES : BOOTLOADER_HEADER_BYTES;
    }

    /**
     * The description in an image's first {@link #headerBytes} bytes, empty where its magic is wrong; also what a
     * resumed update reads back from flash for {@code esp_https_ota_get_img_desc}.
     */
    public static OtaEvent.ImageDescriptionRead describe(ImageKind kind, byte[] head) {
        int descriptorAt = ImageHeader.SIZE + SegmentHeader.SIZE;
        Optional<AppDescription> app = kind == ImageKind.APP && AppDescription.isPresent(head, descriptorAt)
                ? Optional.of(AppDescription.parse(head, descriptorAt)) : Optional.empty();
        Optional<BootloaderDescription> bootloader = kind == ImageKind.BOOTLOADER
                && BootloaderDescription.isPresent(head, descriptorAt)
                ? Optional.of(BootloaderDescription.parse(head, descriptorAt)) : Optional.empty();
        return new OtaEvent.ImageDescriptionRead(app, bootloader);
    }

    private static void check(OtaTarget target, ImageKind kind, ImagePolicy policy, boolean verifySpiMode,
            Consumer<? super OtaEvent> events, byte[] head) {
        OtaEvent.ImageDescriptionRead description = describe(kind, head);
        Optional<AppDescription> app = description.app();
        Optional<BootloaderDescription> bootloader = description.bootloader();
        events.accept(description);
        if (app.isEmpty() && bootloader.isEmpty()) {
            throw StageException.of(OtaError.IMAGE_HEADER_INVALID, kind == ImageKind.APP
                    ? "incorrect app descriptor magic" : "incorrect bootloader descriptor magic");
        }
        ImageHeader header = ImageHeader.parse(head, 0);
        TargetIdentity identity = target.identity();
        events.accept(new OtaEvent.ChipIdVerified(header.chipId()));
        TargetChecks.chipId(header, identity);
        events.accept(new OtaEvent.ChipRevisionVerified(header.minChipRevFull()));
        TargetChecks.chipRevision(header, kind, identity);
        if (app.isPresent()) {
            if (verifySpiMode) {
                TargetChecks.spiMode(app.get(), target.runningApp());
            }
            TargetChecks.efuseBlockRevision(app.get(), identity);
            TargetChecks.secureVersion(app.get(), identity);
            TargetChecks.policy(policy, new ImageCandidate.App(app.get(), target.runningApp()));
        } else {
            TargetChecks.policy(policy, new ImageCandidate.Bootloader(bootloader.get(),
                    target.bootloaderDescription()));
        }
    }

    private static byte[] prefix(List<ByteBuffer> chunks, int length) {
        byte[] head = new byte[length];
        int filled = 0;
        for (ByteBuffer chunk : chunks) {
            int n = Math.min(chunk.remaining(), length - filled);
            chunk.get(chunk.position(), head, filled, n);
            filled += n;
            if (filled == length) {
                break;
            }
        }
        return head;
    }
}
