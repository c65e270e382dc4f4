package dev.flota.ota;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import dev.flota.flash.image.ImageKind;
import dev.flota.ota.encrypted.EncryptedImageHeader;
import dev.flota.ota.pipeline.ImageInspection;
import dev.flota.ota.target.OtaResumption;
import dev.flota.ota.target.OtaTarget;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import reactor.core.Disposable;

/**
 * ESP-IDF's imperative {@code esp_https_ota_begin / perform / finish / abort} for code ported from a device, built on
 * the public pipeline: {@link HttpsOta#update(OtaTarget, UpdateSteps)} driven one step per call. {@code begin}
 * connects and reads nothing more; {@link #getImgDesc()} reads just the image's first bytes, before anything is
 * erased; each {@link #perform()} reads and writes one chunk; {@link #finish()} verifies the image and switches the
 * boot partition, exactly as {@code esp_https_ota_finish} does; {@link #abort()} leaves the boot partition as it was.
 * With {@link HttpsOta#resume(boolean)} it is {@code ota_resumption}: {@code begin} continues from the journal in
 * the device's NVS partition when it fits the flash and the image (the state ESP-IDF calls RESUME), as
 * {@link HttpsOta#update(OtaTarget)} does; {@link #getImgDesc()} then reads the descriptor back from the staging
 * partition, and {@link #getImageLenRead()} counts from the resumed offset. {@link #abort()} keeps the journal, as
 * {@code esp_https_ota_abort} leaves the app's NVS alone, so a later {@code begin} continues.
 * The calls block (never call them on an event loop).
 */
public final class EspHttpsOtaHandle {

    /** What {@link #perform()} returns. */
    public enum Progress {
        /** {@code ESP_ERR_HTTPS_OTA_IN_PROGRESS}: call perform again. */
        IN_PROGRESS,
        /** {@code ESP_OK}: every byte is written; call finish. */
        DONE
    }

    private final HttpsOta ota;
    private final OtaTarget target;
    private final UpdateSteps steps = UpdateSteps.manual();
    private final List<OtaEvent> events = new ArrayList<>();
    private Disposable subscription;
    private OtaException failure;
    private boolean allWritten;
    private boolean terminated;
    private boolean finished;
    private boolean performed;
    private int connectedStatus = -1;
    private long httpImageSize = -1;
    private long resumedAt;
    private long written;
    private int writes;

    private EspHttpsOtaHandle(HttpsOta ota, OtaTarget target) {
        this.ota = ota;
        this.target = target;
    }

    static EspHttpsOtaHandle begin(HttpsOta ota, OtaTarget target) {
        EspHttpsOtaHandle handle = new EspHttpsOtaHandle(ota, target);
        handle.steps.allWritten().subscribe(null, null, () -> handle.signal(() -> handle.allWritten = true));
        handle.subscription = ota.update(target, handle.steps).subscribe(handle::onEvent,
                error -> handle.signal(() -> {
                    handle.failure = (OtaException) error;
                    handle.terminated = true;
                }), () -> handle.signal(() -> handle.terminated = true));
        handle.await(e -> e instanceof OtaEvent.Connected);
        return handle;
    }

    /**
     * {@code esp_https_ota_get_img_desc}: the app descriptor from the image's first bytes, read before anything is
     * erased, so the caller can still {@link #abort()} with nothing changed. Fails at once when the update is not
     * for an app.
     */
    public synchronized AppDescription getImgDesc() {
        return imageDescription(ImageKind.APP).app().orElseThrow(() -> new OtaException(
                OtaError.IMAGE_HEADER_INVALID, "incorrect app descriptor magic"));
    }

    /** {@code esp_https_ota_get_bootloader_img_desc}: likewise, for an update of the bootloader. */
    public synchronized BootloaderDescription getBootloaderImgDesc() {
        return imageDescription(ImageKind.BOOTLOADER).bootloader().orElseThrow(() -> new OtaException(
                OtaError.IMAGE_HEADER_INVALID, "incorrect bootloader descriptor magic"));
    }

    private OtaEvent.ImageDescriptionRead imageDescription(ImageKind wanted) {
        UpdatePartitions partitions = ota.partitionsOn(target);
        if (partitions.imageKind().filter(wanted::equals).isEmpty()) {
            throw new OtaException(OtaError.FAIL, "partition '" + partitions.finalPartition().label()
                    + "' does not take an " + wanted.name().toLowerCase() + " image: it has no "
                    + wanted.name().toLowerCase() + " description to read");
        }
        if (resumedAt > 0) {
            OtaResumption resumption = target.resumption().orElseThrow();
            return ImageInspection.describe(wanted, resumption.read(partitions.staging(), 0,
                    ImageInspection.headerBytes(wanted)));
        }
        steps.readHeader();
        return (OtaEvent.ImageDescriptionRead) await(e -> e instanceof OtaEvent.ImageDescriptionRead);
    }

    /**
     * {@code esp_https_ota_perform}: reads and writes one chunk and returns {@code IN_PROGRESS}; DONE, writing
     * nothing, once every byte is on flash.
     */
    public synchronized Progress perform() {
        requireNotFinished();
        performed = true;
        int before = writes;
        if (!allWritten && !terminated) {
            steps.writeNext();
        }
        while (!allWritten && !terminated && writes == before) {
            waitQuietly();
        }
        rethrow();
        if (terminated && !allWritten) {
            throw new OtaException(OtaError.FAIL, "the update was aborted");
        }
        return allWritten && writes == before ? Progress.DONE : Progress.IN_PROGRESS;
    }

    /**
     * {@code esp_https_ota_finish}: verifies and switches the boot partition once all data is written. Called before
     * (perform did not return DONE), it aborts the update and fails with {@code INVALID_STATE}: it never returns
     * normally without having switched.
     */
    public synchronized void finish() {
        requireNotFinished();
        finished = true;
        if (!allWritten) {
            rethrow();
            cancel();
            throw new OtaException(OtaError.INVALID_STATE, "finish before all data was written (perform did not "
                    + "return DONE): the update is aborted and the boot partition unchanged");
        }
        steps.finish();
        while (!terminated) {
            waitQuietly();
        }
        rethrow();
    }

    /** {@code esp_https_ota_abort}: stops; what was written stays, otadata is untouched. Refused after finish. */
    public synchronized void abort() {
        requireNotFinished();
        cancel();
    }

    /**
     * {@code esp_https_ota_get_image_len_read}: bytes of the image on flash, a resumed update's offset included; -1
     * before the first perform of an update that started at byte 0.
     */
    public synchronized long getImageLenRead() {
        return performed || resumedAt > 0 ? written : -1;
    }

    /**
     * {@code esp_https_ota_get_image_size}: the image size (without a pre-encrypted image's header), -1 when
     * unknown (e.g. chunked without partial mode).
     */
    public synchronized long getImageSize() {
        return httpImageSize < 0 || !ota.configuration().image().decrypts() ? httpImageSize
                : httpImageSize - EncryptedImageHeader.SIZE;
    }

    /** {@code esp_https_ota_get_status_code}: the status of the response begin connected with. */
    public synchronized int getStatusCode() {
        return connectedStatus;
    }

    /** {@code esp_https_ota_is_complete_data_received}. */
    public synchronized boolean isCompleteDataReceived() {
        long size = getImageSize();
        return allWritten || size >= 0 && written == size;
    }

    /** The events posted so far, in order. */
    public synchronized List<OtaEvent> events() {
        return List.copyOf(events);
    }

    private synchronized void onEvent(OtaEvent event) {
        events.add(event);
        if (event instanceof OtaEvent.Resumed resumed) {
            resumedAt = resumed.offset();
            written = resumedAt;
        } else if (event instanceof OtaEvent.ResumeDiscarded) {
            resumedAt = 0;
            written = 0;
        } else if (event instanceof OtaEvent.Connected connected) {
            connectedStatus = connected.status();
            httpImageSize = connected.imageSize();
        } else if (event instanceof OtaEvent.FlashWritten flash) {
            written = resumedAt + flash.cumulativeBytes();
            writes++;
        }
        notifyAll();
    }

    private synchronized void signal(Runnable change) {
        change.run();
        notifyAll();
    }

    private void cancel() {
        subscription.dispose();
        if (!terminated) {
            events.add(new OtaEvent.Aborted(new OtaException(OtaError.FAIL, "aborted by the caller")));
            terminated = true;
            notifyAll();
        }
    }

    private void requireNotFinished() {
        if (finished) {
            throw new OtaException(OtaError.INVALID_STATE, "finish already ran on this handle");
        }
    }

    private OtaEvent await(Predicate<OtaEvent> wanted) {
        synchronized (this) {
            while (true) {
                for (OtaEvent event : events) {
                    if (wanted.test(event)) {
                        return event;
                    }
                }
                if (terminated) {
                    rethrow();
                    throw new OtaException(OtaError.FAIL, "the update ended before the expected event");
                }
                waitQuietly();
            }
        }
    }

    private void rethrow() {
        if (failure != null) {
            throw failure;
        }
    }

    private void waitQuietly() {
        try {
            wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel();
            throw new OtaException(OtaError.FAIL, "interrupted");
        }
    }
}
