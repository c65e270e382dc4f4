package dev.flota.flash.nor;

/**
 * Erase cycles per sector, stored per 64 KiB block and only for blocks ever erased: a fleet of 10,000 simulated
 * devices that each rewrite one OTA slot keeps a few hundred counters per device, not one per sector of the chip.
 */
final class WearCounters {

    private static final int SECTORS_PER_BLOCK = NorFlash.BLOCK_SIZE / NorFlash.SECTOR_SIZE;

    private final int[][] blocks;

    WearCounters(long flashSize) {
        blocks = new int[(int) ((flashSize / NorFlash.SECTOR_SIZE + SECTORS_PER_BLOCK - 1) / SECTORS_PER_BLOCK)][];
    }

    void erased(int sector) {
        int[] block = blocks[sector / SECTORS_PER_BLOCK];
        if (block == null) {
            block = new int[SECTORS_PER_BLOCK];
            blocks[sector / SECTORS_PER_BLOCK] = block;
        }
        block[sector % SECTORS_PER_BLOCK]++;
    }

    int of(int sector) {
        int[] block = blocks[sector / SECTORS_PER_BLOCK];
        return block == null ? 0 : block[sector % SECTORS_PER_BLOCK];
    }

    int max() {
        int max = 0;
        for (int[] block : blocks) {
            if (block != null) {
                for (int count : block) {
                    max = Math.max(max, count);
                }
            }
        }
        return max;
    }
}
