package dev.flota.flash.nor;

import java.time.Duration;

/**
 * What a chip has done since it was created: operation counts, bytes, time spent busy on the flash timing model, and
 * the most-erased sector's count (wear).
 */
public record FlashStats(long sectorErases, long blockErases, long pagePrograms, long bytesProgrammed,
        long bytesRead, Duration busy, int maxSectorWear) {

    /** Erase and page-program operations: the points where a power cut can land. */
    public long mutatingOperations() {
        return sectorErases + blockErases + pagePrograms;
    }
}
