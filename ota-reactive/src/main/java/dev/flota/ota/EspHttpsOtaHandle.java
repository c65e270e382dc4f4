package dev.flota.ota;

import dev.flota.flash.device.Device;
import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.BootloaderDescription;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import reactor.core.Disposable;
import reactor.core.publisher.Mono;
import reactor.core.publisher.Sinks;

/**
 * ESP-IDF's imperative {@code esp_https_ota_begin / perform / finish / abort} on the same reactive pipeline, for code
 * ported from a device. The calls block (never call them on an event loop); the pipeline pauses after the last byte is
 * written until {@link #finish()}, which verifies the image and switches the boot partition, exactly as
 * {@code esp_https_ota_finish} does; {@link #abort()} leaves the boot partition as it was.
 */
public final class EspHttpsOtaHandle {

    /** What {@link #perform()} returns. */
    public enum Progress {
        /** {@code ESP_ERR_HTTPS_OTA_IN_PROGRESS}: call perform again. */
        IN_PROGRESS,
        /** {@code ESP_OK}: every byte is written; call finish. */
        DONE
    }

    private final Sinks.Empty<Void> gate = Sinks.empty();
    private final List<OtaEvent> events = new ArrayList<>();
    private UpdateRun run;
    private Disposable subscription;
    private OtaException failure;
    private boolean atGate;
    private boolean terminated;
    private int consumed;

    private EspHttpsOtaHandle() {
    }

    static EspHttpsOtaHandle begin(HttpsOta ota, Device device) {
        EspHttpsOtaHandle handle = new EspHttpsOtaHandle();
        Mono<Void> gated = Mono.defer(() -> {
            handle.signal(() -> handle.atGate = true);
            return handle.gate.asMono();
        });
        handle.subscription = ota.events(device, gated, run -> handle.run = run).subscribe(handle::onEvent,
                error -> handle.signal(() -> {
                    handle.failure = (OtaException) error;
                    handle.terminated = true;
                }), () -> handle.signal(() -> handle.terminated = true));
        handle.await(e -> e instanceof OtaEvent.Connected);
        return handle;
    }

    /** {@code esp_https_ota_get_img_desc}: the app descriptor from the image's first bytes. */
    public synchronized AppDescription getImgDesc() {
        OtaEvent.ImageDescriptionRead read = (OtaEvent.ImageDescriptionRead) await(
                e -> e instanceof OtaEvent.ImageDescriptionRead);
        return read.app().orElseThrow(() -> new OtaException(OtaError.IMAGE_HEADER_INVALID,
                "incorrect app descriptor magic"));
    }

    /** {@code esp_https_ota_get_bootloader_img_desc}. */
    public synchronized BootloaderDescription getBootloaderImgDesc() {
        OtaEvent.ImageDescriptionRead read = (OtaEvent.ImageDescriptionRead) await(
                e -> e instanceof OtaEvent.ImageDescriptionRead);
        return read.bootloader().orElseThrow(() -> new OtaException(OtaError.IMAGE_HEADER_INVALID,
                "incorrect bootloader descriptor magic"));
    }

    /** {@code esp_https_ota_perform}: waits for some progress; DONE once all data is on flash. */
    public synchronized Progress perform() {
        int seen = events.size();
        while (!atGate && !terminated && events.size() == seen) {
            waitQuietly();
        }
        rethrow();
        return atGate ? Progress.DONE : Progress.IN_PROGRESS;
    }

    /**
     * {@code esp_https_ota_finish}: when all data arrived, verifies and switches the boot partition; otherwise (the
     * caller stopped early) aborts without switching, as ESP-IDF returns without switching.
     */
    public synchronized void finish() {
        if (!atGate) {
            abort();
            return;
        }
        gate.tryEmitEmpty();
        while (!terminated) {
            waitQuietly();
        }
        rethrow();
    }

    /** {@code esp_https_ota_abort}: stops; what was written stays, otadata is untouched. */
    public synchronized void abort() {
        subscription.dispose();
        if (!terminated) {
            events.add(new OtaEvent.Aborted(new OtaException(OtaError.FAIL, "aborted by the caller")));
            terminated = true;
            notifyAll();
        }
    }

    /** {@code esp_https_ota_get_image_len_read}: bytes written to flash so far. */
    public long getImageLenRead() {
        return run == null ? -1 : run.bytesWritten();
    }

    /** {@code esp_https_ota_get_image_size}: the image size, -1 when unknown (e.g. chunked without partial mode). */
    public long getImageSize() {
        return run == null ? -1 : run.imageSize();
    }

    /** {@code esp_https_ota_get_status_code}. */
    public int getStatusCode() {
        return run == null ? -1 : run.lastStatus();
    }

    /** {@code esp_https_ota_is_complete_data_received}. */
    public boolean isCompleteDataReceived() {
        return run != null && run.completeDataReceived();
    }

    /** The events posted so far, in order. */
    public synchronized List<OtaEvent> events() {
        return List.copyOf(events);
    }

    private synchronized void onEvent(OtaEvent event) {
        events.add(event);
        notifyAll();
    }

    private synchronized void signal(Runnable change) {
        change.run();
        notifyAll();
    }

    private OtaEvent await(Predicate<OtaEvent> wanted) {
        synchronized (this) {
            while (true) {
                for (int i = consumed; i < events.size(); i++) {
                    if (wanted.test(events.get(i))) {
                        return events.get(i);
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
            abort();
            throw new OtaException(OtaError.FAIL, "interrupted");
        }
    }
}
