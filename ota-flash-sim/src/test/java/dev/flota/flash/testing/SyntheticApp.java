package dev.flota.flash.testing;

import dev.flota.flash.image.AppDescription;
import dev.flota.flash.image.Chip;
import dev.flota.flash.image.ImageBuilder;
import java.util.Random;

/**
 * A synthetic ESP app image: a real one (header, app description, segments, checksum, SHA-256) laid out by
 * {@link ImageBuilder} around pseudo-random content, so tests, the benches and the demo get valid firmware of any
 * size without Espressif's vectors. The one generator behind {@link TestImages} and the images of {@code ota-bench};
 * each caller names what it differs in (project name, seed, layout), so each keeps the bytes it always had.
 *
 * <p>Defaults: an ESP32-C3 app of project {@code flota-test} built {@code Nov 23 2026 12:00:00} with ESP-IDF
 * {@code v5.5-flota}, secure version 0, content seeded by the version string, all of it code in one IROM segment.
 */
public final class SyntheticApp {

    private static final String DATE = "Nov 23 2026";
    private static final long IRAM_SEGMENT = 0x40800000L;

    private final String version;
    private Chip chip = Chip.ESP32_C3;
    private String project = "flota-test";
    private String time = "12:00:00";
    private String idfVersion = "v5.5-flota";
    private long secureVersion;
    private long seed;
    private boolean dataSegments;
    private boolean compressible;
    private int maxSegment = Integer.MAX_VALUE;
    private int minEfuseBlockRevision;
    private int maxEfuseBlockRevision;
    private int spiFlashMode;

    private SyntheticApp(String version) {
        this.version = version;
        this.seed = version.hashCode();
    }

    /** An app of {@code version} with the defaults above. */
    public static SyntheticApp of(String version) {
        return new SyntheticApp(version);
    }

    public SyntheticApp chip(Chip value) {
        chip = value;
        return this;
    }

    /** The app description's project name. */
    public SyntheticApp project(String name) {
        project = name;
        return this;
    }

    /** The app description's build time ({@code HH:MM:SS}). */
    public SyntheticApp time(String value) {
        time = value;
        return this;
    }

    public SyntheticApp idfVersion(String value) {
        idfVersion = value;
        return this;
    }

    public SyntheticApp secureVersion(long value) {
        secureVersion = value;
        return this;
    }

    /** The descriptor's {@code min/max_efuse_blk_rev_full} ({@code major * 100 + minor}; 0 for none). */
    public SyntheticApp efuseBlockRevisions(int min, int max) {
        minEfuseBlockRevision = min;
        maxEfuseBlockRevision = max;
        return this;
    }

    /** The descriptor's {@code spi_flash_mode} (1 QIO ... 5 OPI; 0 for none recorded). */
    public SyntheticApp spiFlashMode(int mode) {
        spiFlashMode = mode;
        return this;
    }

    /** The seed of the pseudo-random content (default: the version's hash code). */
    public SyntheticApp seed(long value) {
        seed = value;
        return this;
    }

    /**
     * Lays the payload out as a real app's sections: half of it as read-only data in DROM and an 8-byte RAM segment
     * before the code, instead of code alone.
     */
    public SyntheticApp withDataSegments() {
        dataSegments = true;
        return this;
    }

    /**
     * Content that deflates like real firmware: bytes drawn from a 20-symbol alphabet, which zlib level 9 packs to
     * about 60% (ESP-IDF apps in the interop vectors pack to 52–64%), instead of incompressible noise. For whatever
     * compresses on the way, e.g. the serial loader's {@code FLASH_DEFL_*} writes.
     */
    public SyntheticApp compressible() {
        compressible = true;
        return this;
    }

    /** Splits the code into IROM segments of at most {@code bytes} each (ESP-IDF refuses segments of 16 MiB). */
    public SyntheticApp maxSegment(int bytes) {
        if (bytes < 4 || bytes % 4 != 0) {
            throw new IllegalArgumentException("segments hold a positive multiple of 4 bytes: " + bytes);
        }
        maxSegment = bytes;
        return this;
    }

    /** The app description the image carries. */
    public AppDescription description() {
        return new AppDescription(secureVersion, version, project, time, DATE, idfVersion, "00".repeat(32),
                minEfuseBlockRevision, maxEfuseBlockRevision, 16, spiFlashMode);
    }

    /**
     * A builder holding {@code payload} pseudo-random bytes (rounded down to a multiple of 4 per section), for callers
     * that add to or change the image before building it.
     */
    public ImageBuilder builder(long payload) {
        Random random = new Random(seed);
        ImageBuilder builder = ImageBuilder.app(chip, description());
        if (dataSegments) {
            byte[] rodata = new byte[(int) (payload / 2) & ~3];
            fill(random, rodata);
            builder.segment(chip.dromBase() + 0x10000 + 0x120, rodata)
                    .segment(IRAM_SEGMENT, new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
            payload -= rodata.length;
        }
        long remaining = Math.max(0, payload) & ~3;
        long address = chip == Chip.ESP32 ? 0x400D0018L : 0x42010018L;
        do {
            byte[] code = new byte[(int) Math.min(remaining, maxSegment)];
            fill(random, code);
            builder.segment(address, code);
            address += code.length;
            remaining -= code.length;
        } while (remaining > 0);
        return builder;
    }

    private void fill(Random random, byte[] bytes) {
        random.nextBytes(bytes);
        if (compressible) {
            byte[] alphabet = new byte[20];
            random.nextBytes(alphabet);
            for (int i = 0; i < bytes.length; i++) {
                bytes[i] = alphabet[(bytes[i] & 0xFF) % alphabet.length];
            }
        }
    }

    /** The image with {@code payload} pseudo-random bytes. */
    public byte[] build(long payload) {
        return builder(payload).build();
    }

    /**
     * An image of about {@code imageSize} bytes: the payload leaves 68 KiB for the header, the description and the
     * MMU-page padding, and is at least 1 KiB, so small sizes give an image of a little over 64 KiB.
     */
    public byte[] sized(long imageSize) {
        return build(Math.max(1024, imageSize - 0x11000) & ~3);
    }
}
