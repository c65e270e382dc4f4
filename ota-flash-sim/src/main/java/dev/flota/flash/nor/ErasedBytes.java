package dev.flota.flash.nor;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.util.Arrays;

/** The NOR bit rules on byte arrays, word at a time, with a vectorised fast path for erased (all 0xFF) ranges. */
final class ErasedBytes {

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final byte[] ERASED = new byte[NorFlash.SECTOR_SIZE];

    static {
        Arrays.fill(ERASED, (byte) 0xFF);
    }

    private ErasedBytes() {
    }

    /** True when {@code length} bytes of {@code bytes} from {@code at} are all 0xFF. */
    static boolean isErased(byte[] bytes, int at, int length) {
        while (length > 0) {
            int n = Math.min(length, ERASED.length);
            if (Arrays.mismatch(bytes, at, at + n, ERASED, 0, n) >= 0) {
                return false;
            }
            at += n;
            length -= n;
        }
        return true;
    }

    /** {@code cells[at..] &= from[offset..]}, as programming does; a plain copy where the cells are erased. */
    static void and(byte[] cells, int at, byte[] from, int offset, int length) {
        if (isErased(cells, at, length)) {
            System.arraycopy(from, offset, cells, at, length);
            return;
        }
        int i = 0;
        for (; i <= length - Long.BYTES; i += Long.BYTES) {
            LONGS.set(cells, at + i, (long) LONGS.get(cells, at + i) & (long) LONGS.get(from, offset + i));
        }
        for (; i < length; i++) {
            cells[at + i] &= from[offset + i];
        }
    }

    /** See {@link FlashStorage#firstOneOverZero}. */
    static int firstOneOverZero(byte[] cells, int at, byte[] from, int offset, int length) {
        if (isErased(cells, at, length)) {
            return -1;
        }
        int i = 0;
        for (; i <= length - Long.BYTES; i += Long.BYTES) {
            long wanted = (long) LONGS.get(from, offset + i);
            if (((long) LONGS.get(cells, at + i) & wanted) != wanted) {
                break;
            }
        }
        for (; i < length; i++) {
            if ((cells[at + i] & from[offset + i]) != from[offset + i]) {
                return i;
            }
        }
        return -1;
    }
}
