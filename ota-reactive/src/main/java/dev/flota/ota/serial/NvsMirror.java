package dev.flota.ota.serial;

import dev.flota.flash.nor.FlashConfig;
import dev.flota.flash.nor.FlashStorage;
import dev.flota.flash.nor.FlashTiming;
import dev.flota.flash.nor.NorFlash;
import dev.flota.flash.partition.Partition;
import java.util.Arrays;

/**
 * The chip's NVS partition as a {@link NorFlash} for {@link dev.flota.flash.nvs.NvsPartition}: a host copy read once
 * through the loader, every page program and sector erase NVS issues sent to the chip first ({@link
 * FlashLoader#programInPlace}, {@link FlashLoader#eraseRegion}), one loader write per flash operation and in NVS's
 * order, and applied to the copy only once the chip acknowledged it. So the chip goes through the same sequence of
 * states as a device running {@code nvs_flash} would, and NVS's power-safety rules (the new entry, then the old one
 * erased; page states) hold on the chip; reads cost no round trip. A failed write leaves the copy behind the chip:
 * the caller mounts again from a fresh read.
 */
final class NvsMirror implements FlashStorage {

    private static final int PAGE = NorFlash.SECTOR_SIZE;

    private final FlashLoader loader;
    private final long base;
    private final byte[] copy;

    private NvsMirror(FlashLoader loader, long base, byte[] copy) {
        this.loader = loader;
        this.base = base;
        this.copy = copy;
    }

    /**
     * Reads {@code partition} from the chip: one SPI_FLASH_MD5 per page, and a read only of pages that are not
     * erased (an NVS partition is mostly empty pages; a ROM reads 64 bytes per command).
     */
    static NorFlash read(FlashLoader loader, Partition partition) {
        byte[] copy = new byte[(int) partition.size()];
        Arrays.fill(copy, (byte) 0xFF);
        byte[] erasedPage = new byte[PAGE];
        Arrays.fill(erasedPage, (byte) 0xFF);
        byte[] erasedMd5 = FlashLoader.md5(erasedPage);
        for (int at = 0; at < copy.length; at += PAGE) {
            int n = Math.min(PAGE, copy.length - at);
            if (n == PAGE && Arrays.equals(loader.flashMd5(partition.offset() + at, n), erasedMd5)) {
                continue;
            }
            System.arraycopy(loader.readFlash(partition.offset() + at, n), 0, copy, at, n);
        }
        NvsMirror storage = new NvsMirror(loader, partition.offset(), copy);
        return NorFlash.create(storage, FlashConfig.defaults().timing(FlashTiming.instant()));
    }

    @Override
    public long size() {
        return copy.length;
    }

    @Override
    public boolean mayBlock() {
        return true;
    }

    @Override
    public void read(long address, byte[] into, int offset, int length) {
        System.arraycopy(copy, (int) address, into, offset, length);
    }

    /** {@code from} is what the page holds after the program (NorFlash ANDed it): programming it is the same write. */
    @Override
    public void write(long address, byte[] from, int offset, int length) {
        loader.programInPlace(base + address, Arrays.copyOfRange(from, offset, offset + length));
        System.arraycopy(from, offset, copy, (int) address, length);
    }

    @Override
    public void erase(long address, int length) {
        loader.eraseRegion(base + address, length);
        Arrays.fill(copy, (int) address, (int) address + length, (byte) 0xFF);
    }
}
