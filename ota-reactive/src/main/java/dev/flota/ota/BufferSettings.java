package dev.flota.ota;

/**
 * How many fetched bytes an update may hold between the network and the flash, alone ({@code maxBufferedBytes}) and
 * within a budget shared with other updates ({@code budget}, null for none).
 *
 * @param maxBufferedBytes bytes requested ahead of the flash, at least 2 KiB
 * @param budget           a {@link BufferBudget} shared by many updates, or null
 */
public record BufferSettings(int maxBufferedBytes, BufferBudget budget) {

    public BufferSettings {
        if (maxBufferedBytes < 2048) {
            throw new IllegalArgumentException("maxBufferedBytes must be at least 2 KiB");
        }
    }

    /** 64 KiB per update, no shared budget. */
    public static BufferSettings defaults() {
        return new BufferSettings(64 * 1024, null);
    }
}
