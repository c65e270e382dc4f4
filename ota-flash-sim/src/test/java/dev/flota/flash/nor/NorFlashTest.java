package dev.flota.flash.nor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** NOR semantics, timing, wear and faults, identical on every storage backend. */
class NorFlashTest {

    private static final long SIZE = 256 * 1024;

    @TempDir
    static Path dir;

    static List<LongFunction<FlashStorage>> backends() {
        return List.of(FlashStorage::inMemory, size -> new CompactStorage(size, new SectorPool()),
                size -> FlashStorage.file(dir.resolve("flash-" + System.nanoTime() + ".bin"), size));
    }

    private static NorFlash flash(LongFunction<FlashStorage> backend, FlashConfig config) {
        return NorFlash.create(backend.apply(SIZE), config);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void startsErasedAndProgrammingOnlyClearsBits(LongFunction<FlashStorage> backend) {
        NorFlash flash = flash(backend, FlashConfig.defaults());
        assertThat(flash.read(0, 4096)).containsOnly((byte) 0xFF);
        flash.program(100, new byte[] {0x0F, (byte) 0xF0});
        flash.program(100, new byte[] {0x0E, (byte) 0x30});
        assertThat(flash.read(100, 2)).containsExactly(0x0E, 0x30);
        assertThatThrownBy(() -> flash.program(100, new byte[] {0x0F}))
                .isInstanceOfSatisfying(FlashException.class,
                        e -> assertThat(e.error()).isEqualTo(FlashError.PROGRAM_ONE_OVER_ZERO));
        assertThat(flash.read(100, 1)).containsExactly(0x0E);
        flash.eraseSector(0);
        assertThat(flash.read(100, 2)).containsExactly(0xFF, 0xFF);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void hardwareModeAndsTheBits(LongFunction<FlashStorage> backend) {
        NorFlash flash = flash(backend, FlashConfig.defaults().hardwareProgramming());
        flash.program(5000, new byte[] {0x3C});
        flash.program(5000, new byte[] {(byte) 0xC3 | 0x0C});
        assertThat(flash.read(5000, 1)).containsExactly(0x0C);
    }

    /**
     * A large program spanning erased sectors, a partly programmed one and a whole sector written over an erased one
     * (the fast paths) gives exactly the AND of old and new, byte for byte, against a plain model of the chip.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void largeProgramsAndEveryByteOnErasedAndProgrammedSectors(LongFunction<FlashStorage> backend) {
        NorFlash flash = flash(backend, FlashConfig.defaults().hardwareProgramming());
        byte[] model = new byte[(int) SIZE];
        Arrays.fill(model, (byte) 0xFF);
        java.util.Random random = new java.util.Random(7);
        long[][] writes = {{4096 + 1000, 37}, {4096 + 1003, 9000}, {0, 4096 * 5}, {3 * 4096, 4096}, {20000, 3},
                {8 * 4096 + 17, 3 * 4096}};
        for (long[] write : writes) {
            byte[] bytes = new byte[(int) write[1]];
            random.nextBytes(bytes);
            flash.program(write[0], bytes);
            for (int i = 0; i < bytes.length; i++) {
                model[(int) write[0] + i] &= bytes[i];
            }
            assertThat(flash.read(0, 16 * 4096)).isEqualTo(Arrays.copyOf(model, 16 * 4096));
        }
    }

    /** Strict mode finds a 1 over a 0 deep inside a large program and leaves every byte of the range as it was. */
    @ParameterizedTest
    @MethodSource("backends")
    void strictLargeProgramFailsWholeWhenOneByteNeedsAnErase(LongFunction<FlashStorage> backend) {
        NorFlash flash = flash(backend, FlashConfig.defaults());
        flash.program(2 * 4096 + 10, new byte[] {(byte) 0xEF});
        byte[] bytes = new byte[3 * 4096];
        Arrays.fill(bytes, (byte) 0x0F);
        bytes[4096 + 10] = (byte) 0x1F;
        long modifications = flash.modifications();
        assertThatThrownBy(() -> flash.program(4096, bytes))
                .isInstanceOfSatisfying(FlashException.class, e -> assertThat(e)
                        .hasMessageContaining("0x%x", 2 * 4096 + 10)
                        .extracting(FlashException::error).isEqualTo(FlashError.PROGRAM_ONE_OVER_ZERO));
        byte[] expected = new byte[3 * 4096];
        Arrays.fill(expected, (byte) 0xFF);
        expected[4096 + 10] = (byte) 0xEF;
        assertThat(flash.read(4096, 3 * 4096)).isEqualTo(expected);
        assertThat(flash.modifications()).isEqualTo(modifications);
        bytes[4096 + 10] = (byte) 0x0F;
        flash.program(4096, bytes);
        expected = bytes.clone();
        assertThat(flash.read(4096, 3 * 4096)).isEqualTo(expected);
    }

    /**
     * A sector stays known as erased only until something lands in it: a program spanning two sectors, a partial
     * erase cut by power, and an erase after either all leave exactly the cells a chip would have.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void erasedSectorsAreForgottenOnceProgrammed(LongFunction<FlashStorage> backend) {
        NorFlash flash = flash(backend, FlashConfig.defaults().faultSeed(3));
        flash.program(4096 - 2, new byte[] {0x11, 0x22, 0x33, 0x44});
        assertError(() -> flash.program(4096 + 1, new byte[] {(byte) 0xFF}), FlashError.PROGRAM_ONE_OVER_ZERO);
        flash.eraseSector(4096);
        assertThat(flash.read(4096 - 2, 4)).containsExactly(0x11, 0x22, 0xFF, 0xFF);
        flash.eraseSector(4096);
        flash.program(4096, new byte[] {0x55});
        assertThat(flash.read(4096, 2)).containsExactly(0x55, 0xFF);

        flash.program(2 * 4096, new byte[4096]);
        flash.faults().cutPowerAfterOperations(0);
        assertError(() -> flash.eraseSector(2 * 4096), FlashError.POWER_LOST);
        flash.powerCycle();
        assertError(() -> flash.program(3 * 4096 - 1, new byte[] {1}), FlashError.PROGRAM_ONE_OVER_ZERO);
        flash.eraseSector(2 * 4096);
        flash.program(3 * 4096 - 1, new byte[] {1});
        assertThat(flash.read(3 * 4096 - 2, 2)).containsExactly(0xFF, 0x01);
    }

    /**
     * A reader handed stored bytes sees what {@code read} returns, with an armed bit flip, and the read counts; a chip
     * in memory lends its cells instead of copying them into the scratch array, unless a read fault must show.
     */
    @ParameterizedTest
    @MethodSource("backends")
    void readersAreLentTheStoredBytes(LongFunction<FlashStorage> backend) {
        NorFlash flash = flash(backend, FlashConfig.defaults());
        byte[] bytes = new byte[3000];
        new java.util.Random(3).nextBytes(bytes);
        flash.program(4096 + 100, bytes);
        byte[] scratch = new byte[4096];
        byte[][] lent = new byte[1][];
        flash.read(4096, 4000, scratch, (array, offset, length) ->
                lent[0] = Arrays.copyOfRange(array, offset, offset + length));
        assertThat(lent[0]).isEqualTo(flash.read(4096, 4000));
        assertThat(flash.stats().bytesRead()).isEqualTo(2 * 4000);

        flash.faults().flipBitOnRead(4096 + 100, 0);
        boolean[] inScratch = new boolean[1];
        flash.read(4096, 4000, scratch, (array, offset, length) -> {
            inScratch[0] = array == scratch;
            lent[0] = Arrays.copyOfRange(array, offset, offset + length);
        });
        assertThat(inScratch[0]).isTrue();
        assertThat(lent[0][100]).isEqualTo((byte) (bytes[0] ^ 1));
        flash.faults().clear();
        flash.read(4096, 4000, scratch, (array, offset, length) -> inScratch[0] = array == scratch);
        assertThat(inScratch[0]).isEqualTo(!(backend.apply(4096) instanceof MemoryStorage));
    }

    @Test
    void misalignedAndOutOfRangeOperationsAreTyped() {
        NorFlash flash = NorFlash.inMemory(SIZE);
        assertError(() -> flash.eraseSector(100), FlashError.MISALIGNED);
        assertError(() -> flash.eraseBlock(4096), FlashError.MISALIGNED);
        assertError(() -> flash.eraseRange(0, 100), FlashError.MISALIGNED);
        assertError(() -> flash.eraseSector(SIZE), FlashError.OUT_OF_RANGE);
        assertError(() -> flash.program(SIZE - 1, new byte[2]), FlashError.OUT_OF_RANGE);
        assertError(() -> flash.read(-1, 1), FlashError.OUT_OF_RANGE);
    }

    @Test
    void eachOperationCostsItsDatasheetTimeOnTheVirtualClock() {
        NorFlash flash = NorFlash.inMemory(SIZE);
        flash.eraseRange(0, 0x11000);
        flash.program(0, new byte[1024]);
        FlashStats stats = flash.stats();
        assertThat(stats.blockErases()).isEqualTo(1);
        assertThat(stats.sectorErases()).isEqualTo(1);
        assertThat(stats.pagePrograms()).isEqualTo(4);
        assertThat(stats.busy()).isEqualTo(Duration.ofMillis(150 + 45).plus(Duration.ofNanos(4 * 700_000)));
        assertThat(flash.wear(0)).isEqualTo(1);
        assertThat(flash.wear(0x10000)).isEqualTo(1);
        assertThat(flash.wear(0x11000)).isZero();
    }

    @Test
    void pageProgramsSplitAtPageBoundaries() {
        NorFlash flash = NorFlash.inMemory(SIZE);
        flash.program(250, new byte[20]);
        assertThat(flash.stats().pagePrograms()).isEqualTo(2);
    }

    @ParameterizedTest
    @MethodSource("backends")
    void powerCutLeavesAPrefixOfThePageAndStopsTheChip(LongFunction<FlashStorage> backend) {
        NorFlash flash = flash(backend, FlashConfig.defaults().faultSeed(3));
        byte[] zeros = new byte[512];
        flash.faults().cutPowerAfterOperations(1);
        assertError(() -> flash.program(0, zeros), FlashError.POWER_LOST);
        assertThat(flash.isPowerLost()).isTrue();
        assertError(() -> flash.read(0, 1), FlashError.POWER_LOST);
        flash.powerCycle();
        byte[] after = flash.read(0, 512);
        assertThat(Arrays.copyOfRange(after, 0, 256)).containsOnly(0);
        int programmed = 256;
        while (programmed < 512 && after[programmed] == 0) {
            programmed++;
        }
        assertThat(programmed).isLessThan(512);
        assertThat(Arrays.copyOfRange(after, programmed, 512)).containsOnly((byte) 0xFF);
    }

    @Test
    void powerCutDuringEraseLeavesTheSectorPartlyErased() {
        NorFlash flash = NorFlash.create(FlashStorage.inMemory(SIZE), FlashConfig.defaults().faultSeed(9));
        flash.program(0, new byte[4096]);
        flash.faults().cutPowerAfterOperations(0);
        assertError(() -> flash.eraseSector(0), FlashError.POWER_LOST);
        flash.powerCycle();
        byte[] sector = flash.read(0, 4096);
        int erased = 0;
        while (erased < 4096 && sector[erased] == (byte) 0xFF) {
            erased++;
        }
        assertThat(erased).isLessThan(4096);
        assertThat(Arrays.copyOfRange(sector, erased, 4096)).containsOnly(0);
    }

    @Test
    void powerCutAfterBytes() {
        NorFlash flash = NorFlash.inMemory(SIZE);
        flash.faults().cutPowerAfterBytes(300);
        assertError(() -> flash.program(0, new byte[1000]), FlashError.POWER_LOST);
        flash.powerCycle();
        assertThat(flash.read(0, 300)).containsOnly(0);
        assertThat(flash.read(300, 700)).containsOnly((byte) 0xFF);
    }

    @Test
    void oneShotFailuresAndBitFlips() {
        NorFlash flash = NorFlash.inMemory(SIZE);
        flash.faults().failOperation(1, FlashError.FLASH_OP_TIMEOUT);
        flash.eraseSector(0);
        assertError(() -> flash.eraseSector(4096), FlashError.FLASH_OP_TIMEOUT);
        flash.eraseSector(4096);
        flash.faults().flipBitOnRead(10, 0);
        assertThat(flash.read(8, 4)).containsExactly(0xFF, 0xFF, 0xFE, 0xFF);
        flash.faults().clear();
        assertThat(flash.read(10, 1)).containsExactly(0xFF);
    }

    @Test
    void fileBackendSurvivesReopeningAsARawDump() throws Exception {
        Path file = dir.resolve("persist.bin");
        try (FlashStorage storage = FlashStorage.file(file, SIZE)) {
            NorFlash flash = NorFlash.create(storage, FlashConfig.defaults());
            flash.program(0x8000, new byte[] {(byte) 0xAA, 0x50});
            flash.flush();
        }
        byte[] raw = Files.readAllBytes(file);
        assertThat(raw).hasSize((int) SIZE);
        assertThat(raw[0x8000]).isEqualTo((byte) 0xAA);
        assertThat(raw[0]).isEqualTo((byte) 0xFF);
        try (FlashStorage storage = FlashStorage.file(file, SIZE)) {
            assertThat(NorFlash.create(storage, FlashConfig.defaults()).read(0x8001, 1)).containsExactly(0x50);
        }
        assertThatThrownBy(() -> FlashStorage.file(file, SIZE * 2)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void compactBackendSharesIdenticalSectorsAcrossDevices() {
        SectorPool pool = new SectorPool();
        byte[] image = new byte[64 * 1024];
        new java.util.Random(1).nextBytes(image);
        List<CompactStorage> fleet = new java.util.ArrayList<>();
        for (int i = 0; i < 50; i++) {
            CompactStorage storage = new CompactStorage(SIZE, pool);
            NorFlash flash = NorFlash.create(storage, FlashConfig.defaults());
            flash.eraseRange(0x10000, image.length);
            flash.program(0x10000, image);
            flash.flush();
            assertThat(flash.read(0x10000, image.length)).isEqualTo(image);
            fleet.add(storage);
        }
        assertThat(pool.distinctSectors()).isEqualTo(16);
        assertThat(pool.bytesHeld()).isEqualTo(64 * 1024);
        fleet.get(0).erase(0x10000, 4096);
        assertThat(pool.distinctSectors()).isEqualTo(16);
        fleet.forEach(CompactStorage::close);
        assertThat(pool.distinctSectors()).isZero();
    }

    @Test
    void compactCopiesShareContentsUntilWritten() {
        SectorPool pool = new SectorPool();
        CompactStorage original = new CompactStorage(SIZE, pool);
        NorFlash flash = NorFlash.create(original, FlashConfig.defaults());
        flash.program(0x1000, new byte[] {1, 2, 3});
        CompactStorage copy = original.copy();
        assertThat(pool.distinctSectors()).isEqualTo(1);
        NorFlash second = NorFlash.create(copy, FlashConfig.defaults());
        assertThat(second.read(0x1000, 3)).containsExactly(1, 2, 3);
        second.eraseSector(0x1000);
        assertThat(flash.read(0x1000, 3)).as("the original keeps its bytes").containsExactly(1, 2, 3);
        original.close();
        copy.close();
        assertThat(pool.distinctSectors()).isZero();
    }

    private static void assertError(Runnable operation, FlashError expected) {
        assertThatThrownBy(operation::run).isInstanceOfSatisfying(FlashException.class,
                e -> assertThat(e.error()).isEqualTo(expected));
    }
}
