package dev.flota.ota;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import java.util.Optional;

/**
 * What an update reports, in the order {@code esp_https_ota} posts its events ({@code ESP_HTTPS_OTA_START} ...
 * {@code ESP_HTTPS_OTA_ABORT}), by name rather than ESP's positional numbers.
 */
public sealed interface OtaEvent {

    /** {@code ESP_HTTPS_OTA_START}: the update began. */
    record Started(String url) implements OtaEvent {
    }

    /**
     * The update continues one cut by a reboot ({@code ota_resumption}): the flash holds the image up to
     * {@code offset}, and the download goes on from {@code fetchOffset} of the served file (past a pre-encrypted
     * image's header). Flota's event, after {@link Started}.
     */
    record Resumed(long offset, long fetchOffset) implements OtaEvent {
    }

    /** A resumption journal was found but not used, for {@code reason}; the update starts from byte 0. */
    record ResumeDiscarded(long offset, String reason) implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_CONNECTED}: the first response arrived; {@code imageSize} is -1 when unknown. */
    record Connected(int status, long imageSize) implements OtaEvent {
    }

    /**
     * The server answered a ranged request from {@code offset} with 200, ignoring {@code Range} (Flota's event; ESP-IDF
     * posts none). From offset 0 that answer is taken as one plain GET of the whole image, as ESP-IDF falls back to;
     * later its bytes cannot be spliced in, so the image is fetched again from byte 0 with one plain GET and the bytes
     * received so far count as wasted.
     */
    record RangeIgnored(long offset) implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_GET_IMG_DESC}: the image's descriptor was read from its first bytes. */
    record ImageDescriptionRead(Optional<AppDescription> app, Optional<BootloaderDescription> bootloader)
            implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_VERIFY_CHIP_ID}: the header's chip ID matches the device. */
    record ChipIdVerified(int chipId) implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_VERIFY_CHIP_REVISION}: the device revision is within the image's range. */
    record ChipRevisionVerified(int minChipRevFull) implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_DECRYPT_CB}: plaintext released by the decrypt stage so far (not yet authenticated). */
    record Decrypted(long cumulativeBytes) implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_WRITE_FLASH}: bytes written to the staging partition so far. */
    record FlashWritten(long cumulativeBytes) implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_UPDATE_BOOT_PARTITION}: the partition that boots next. */
    record BootPartitionUpdated(String label, int subtype) implements OtaEvent {
    }

    /**
     * {@code ESP_HTTPS_OTA_FINISH}: the update completed and the boot partition was switched.
     *
     * @param imageSize         bytes written to flash
     * @param bytesWasted       bytes received beyond those the image needed, by this run and, for an update resumed
     *                          after a reboot ({@link Resumed}), by the earlier runs as far as their journal knows:
     *                          all image bytes received minus the image's size (what came before the image started
     *                          again because it changed or a range was ignored, the bytes in flash of an image that
     *                          changed, the byte of the {@code bytes=0-0} size probe, any byte received twice). An
     *                          earlier run's share is counted as of its last journal commit: what it had received past
     *                          the offset the update resumed from, and what it had wasted. The bytes a run receives
     *                          after its last commit, and those a server sent that never left the socket buffers, are
     *                          lost to a cut uncounted, so a server counts at least this many bytes beyond the image
     * @param peakBufferedBytes most bytes this update held between the network and the flash at any time
     */
    record Finished(long imageSize, long bytesWasted, long peakBufferedBytes) implements OtaEvent {
    }

    /** {@code ESP_HTTPS_OTA_ABORT}: the update failed; otadata and the running app are untouched. */
    record Aborted(OtaException cause) implements OtaEvent {
    }
}
