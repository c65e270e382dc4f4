package dev.flota.flash.nor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@link CompactStorage} taking a sector by comparison with the one the pool last took there: whatever the writes,
 * each device reads exactly what it wrote, and the pool counts every reference.
 */
class CompactStorageTest {

    private static final int SIZE = 1 << 20;
    private static final int AT = 0x10000;

    private final SectorPool pool = new SectorPool();

    private static byte[] image(long seed) {
        byte[] image = new byte[64 * 1024 + 1000];
        new Random(seed).nextBytes(image);
        return image;
    }

    /** A device that erased the range and programmed {@code image} in pieces of {@code piece} bytes. */
    private NorFlash written(byte[] image, int piece, FlashConfig config) {
        NorFlash flash = NorFlash.create(new CompactStorage(SIZE, pool), config);
        flash.eraseRange(AT, 17 * 4096);
        for (int at = 0; at < image.length; at += piece) {
            flash.program(AT + at, image, at, Math.min(piece, image.length - at));
        }
        return flash;
    }

    @Test
    void aDeviceWritingTheSameImageInOtherPiecesReadsItAndSharesEverySector() {
        byte[] image = image(1);
        NorFlash first = written(image, 16 * 1024, FlashConfig.defaults());
        first.flush();
        for (int piece : new int[] {1000, 3584, 4096, 7000, 65536}) {
            NorFlash next = written(image, piece, FlashConfig.defaults());
            assertThat(next.read(AT, image.length)).as("pieces of %d", piece).isEqualTo(image);
            next.flush();
        }
        assertThat(pool.distinctSectors()).isEqualTo(17);
        assertThat(first.read(AT, image.length)).isEqualTo(image);
    }

    /**
     * A read handed to a reader (as the image check reads back) gives the bytes a plain read gives, whatever state
     * each sector is in: shared, being matched, private or erased; the shared ones are lent in place, not copied.
     */
    @Test
    void aLendingReadGivesTheStoredBytesAndLendsSharedSectorsInPlace() {
        byte[] image = image(3);
        written(image, 16 * 1024, FlashConfig.defaults()).flush();
        NorFlash device = written(image, 6000, FlashConfig.defaults());
        device.program(AT + 20 * 4096, new byte[] {1, 2, 3});
        int from = AT + 100;
        int length = 22 * 4096 - 300;
        byte[] scratch = new byte[length];
        java.io.ByteArrayOutputStream lent = new java.io.ByteArrayOutputStream();
        int[] inPlace = {0};
        device.read(from, length, scratch, (bytes, offset, n) -> {
            lent.write(bytes, offset, n);
            inPlace[0] += bytes != scratch ? n : 0;
        });
        assertThat(lent.toByteArray()).isEqualTo(device.read(from, length));
        assertThat(inPlace[0]).as("bytes lent from shared sectors").isGreaterThanOrEqualTo(15 * 4096);
    }

    @Test
    void aWriteThatDiffersMidSectorKeepsEachDevicesOwnBytes() {
        byte[] image = image(2);
        NorFlash first = written(image, 16 * 1024, FlashConfig.defaults());
        first.flush();
        byte[] other = image.clone();
        other[5 * 4096 + 2000] ^= 0x5A;
        NorFlash second = written(other, 1500, FlashConfig.defaults());
        assertThat(second.read(AT, other.length)).isEqualTo(other);
        second.flush();
        assertThat(first.read(AT, image.length)).isEqualTo(image);
        assertThat(pool.distinctSectors()).isEqualTo(18);
    }

    @Test
    void aPartlyMatchedSectorReadsErasedBeyondItsWritesAndAndsAnOverwrite() {
        byte[] image = image(3);
        written(image, 16 * 1024, FlashConfig.defaults()).flush();
        NorFlash second = written(Arrays.copyOf(image, 2 * 4096 + 100), 4096,
                FlashConfig.defaults().hardwareProgramming());
        byte[] sector = second.read(AT + 2 * 4096, 4096);
        assertThat(Arrays.copyOf(sector, 100)).isEqualTo(Arrays.copyOfRange(image, 2 * 4096, 2 * 4096 + 100));
        assertThat(Arrays.copyOfRange(sector, 100, 4096)).containsOnly((byte) 0xFF);

        second.program(AT + 2 * 4096 + 10, new byte[] {0x0F});
        assertThat(second.read(AT + 2 * 4096 + 10, 1)[0]).isEqualTo((byte) (image[2 * 4096 + 10] & 0x0F));
        second.program(AT + 2 * 4096 + 100, image, 2 * 4096 + 100, 4096 - 100);
        byte[] expected = Arrays.copyOfRange(image, 2 * 4096, 3 * 4096);
        expected[10] &= 0x0F;
        assertThat(second.read(AT + 2 * 4096, 4096)).isEqualTo(expected);
    }

    @Test
    void strictProgrammingSeesTheMatchedBytes() {
        byte[] image = image(4);
        image[100] = 0x00;
        written(image, 16 * 1024, FlashConfig.defaults()).flush();
        NorFlash second = written(Arrays.copyOf(image, 1000), 1000, FlashConfig.defaults());
        assertThatThrownBy(() -> second.program(AT + 100, new byte[] {1})).isInstanceOfSatisfying(FlashException.class,
                e -> assertThat(e.error()).isEqualTo(FlashError.PROGRAM_ONE_OVER_ZERO));
        assertThat(second.read(AT + 100, 1)[0]).isZero();
    }

    @Test
    void erasingAndClosingGiveEveryReferenceBack() {
        byte[] image = image(5);
        CompactStorage firstStorage = new CompactStorage(SIZE, pool);
        NorFlash first = NorFlash.create(firstStorage, FlashConfig.defaults());
        first.eraseRange(AT, 17 * 4096);
        first.program(AT, image);
        first.flush();
        CompactStorage secondStorage = new CompactStorage(SIZE, pool);
        NorFlash second = NorFlash.create(secondStorage, FlashConfig.defaults());
        second.eraseRange(AT, 17 * 4096);
        second.program(AT, image, 0, 3 * 4096 + 700);
        second.eraseSector(AT + 3 * 4096);
        assertThat(second.read(AT + 3 * 4096, 4096)).containsOnly((byte) 0xFF);
        assertThat(second.read(AT, 3 * 4096)).isEqualTo(Arrays.copyOf(image, 3 * 4096));
        firstStorage.close();
        assertThat(second.read(AT, 3 * 4096)).as("shared sectors outlive the first device")
                .isEqualTo(Arrays.copyOf(image, 3 * 4096));
        second.program(AT + 3 * 4096, image, 3 * 4096, 100);
        secondStorage.close();
        assertThat(pool.distinctSectors()).isZero();
    }
}
