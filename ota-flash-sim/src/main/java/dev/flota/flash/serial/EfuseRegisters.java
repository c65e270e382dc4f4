package dev.flota.flash.serial;

import dev.flota.flash.efuse.EfuseLayout;
import dev.flota.flash.efuse.Efuses;
import dev.flota.flash.image.Chip;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;
import java.util.function.LongUnaryOperator;

/**
 * The eFuse read registers of a chip in download mode, and what the ROM builds from them: the words READ_REG returns
 * for the eFuse blocks (software's view, a read-protected block reads 0), the GET_SECURITY_INFO payload, and the
 * host's way back from those words to an {@link Efuses} value. One map for both ends, as {@link ChipRegisters}.
 *
 * <p>ESP32: BLK0 is 7 words at {@code 0x3FF5A000}, BLK1..3 8 words each from {@code 0x3FF5A038}. The others: BLK0 6
 * words at {@link ChipRegisters#macRegister()} − 0x18, BLK1 6 words, then BLK2..BLK10 8 words each (ESP-IDF's
 * {@code EFUSE_RD_*_REG} maps; the loader reference §3.4 gives the words esptool reads).
 */
public final class EfuseRegisters {

    private static final long ESP32_BLOCK0 = 0x3FF5A000L;
    private static final int WORD = 4;

    private final ChipRegisters chip;
    private final long block0;

    private EfuseRegisters(ChipRegisters chip) {
        this.chip = chip;
        this.block0 = chip.chip() == Chip.ESP32 ? ESP32_BLOCK0 : chip.macRegister() - 0x18;
    }

    public static EfuseRegisters of(ChipRegisters chip) {
        return new EfuseRegisters(chip);
    }

    /** How many blocks the chip has: 4 on ESP32, 11 elsewhere. */
    public int blocks() {
        return chip.chip() == Chip.ESP32 ? 4 : Efuses.BLOCKS;
    }

    /** The address of word 0 of {@code block}. */
    public long blockAddress(int block) {
        if (block < 0 || block >= blocks()) {
            throw new IllegalArgumentException(chip.chip().displayName() + " has no eFuse block " + block);
        }
        if (chip.chip() == Chip.ESP32) {
            return block == 0 ? ESP32_BLOCK0 : ESP32_BLOCK0 + 0x38 + (block - 1) * 0x20L;
        }
        return block == 0 ? block0 : block == 1 ? block0 + 0x18 : block0 + 0x30 + (block - 2) * 0x20L;
    }

    /** The words of {@code block} the chip maps: 7 for ESP32 BLK0, 6 for BLK0 and BLK1 of the others, else 8. */
    public int blockWords(int block) {
        if (chip.chip() == Chip.ESP32) {
            return block == 0 ? 7 : 8;
        }
        return block <= 1 ? 6 : 8;
    }

    /**
     * What READ_REG reads at every eFuse word of {@code efuses}: address to value; a read-protected block
     * ({@code RD_DIS}) reads 0, as it does for software.
     */
    public Map<Long, Integer> words(Efuses efuses) {
        Map<Long, Integer> words = new LinkedHashMap<>();
        Map<Integer, byte[]> raw = efuses.rawBlocks();
        long rdDis = efuses.get("RD_DIS");
        for (int block = 0; block < blocks(); block++) {
            byte[] bytes = raw.get(block);
            if (bytes == null || readProtected(efuses.layout(), rdDis, block)) {
                continue;
            }
            for (int w = 0; w < blockWords(block); w++) {
                int value = (bytes[w * WORD] & 0xFF) | (bytes[w * WORD + 1] & 0xFF) << 8
                        | (bytes[w * WORD + 2] & 0xFF) << 16 | (bytes[w * WORD + 3] & 0xFF) << 24;
                if (value != 0) {
                    words.put(blockAddress(block) + (long) w * WORD, value);
                }
            }
        }
        return words;
    }

    private static boolean readProtected(EfuseLayout layout, long rdDis, int block) {
        int bit = switch (layout.family()) {
            case ESP32 -> block - 1;
            case KEY_PURPOSES -> block - 4;
            case ESP32_C2 -> block == 3 ? 0 : -1;
        };
        return bit >= 0 && (rdDis >> bit & 1) != 0;
    }

    /**
     * The eFuses as a host reads them back over READ_REG: {@code blocks} (e.g. BLK0 with the download-mode, crypt
     * counter and secure-version fields) word by word, every other block 0.
     */
    public Efuses read(LongUnaryOperator readRegister, int... blocks) {
        Map<Integer, byte[]> raw = new TreeMap<>();
        for (int block : blocks) {
            byte[] bytes = new byte[Efuses.BLOCK_BITS / 8];
            long base = blockAddress(block);
            for (int w = 0; w < blockWords(block); w++) {
                long value = readRegister.applyAsLong(base + (long) w * WORD);
                for (int i = 0; i < WORD; i++) {
                    bytes[w * WORD + i] = (byte) (value >> (8 * i));
                }
            }
            raw.put(block, bytes);
        }
        return Efuses.of(chip.chip(), raw);
    }

    /** The blocks that carry what a host needs to know (download restrictions, crypt count, versions). */
    public int[] stateBlocks() {
        return chip.chip() == Chip.ESP32 ? new int[] {0, 3} : new int[] {0, 1, 2};
    }

    /**
     * What this ROM answers to GET_SECURITY_INFO on a chip with {@code efuses}; empty where it has no such command
     * (ESP32). Flags as esptool decodes them (loader reference §2.2): Secure Boot, aggressive revoke, Secure Download
     * Mode, key revocations, hard JTAG disable ({@code DIS_PAD_JTAG}), download-mode cache disables; the crypt counter;
     * the purposes of BLOCK_KEY0..5 (the 7th byte 0).
     */
    public Optional<SecurityInfo> securityInfo(Efuses efuses) {
        OptionalInt length = chip.securityInfoLength();
        if (length.isEmpty()) {
            return Optional.empty();
        }
        EfuseLayout layout = efuses.layout();
        int flags = flag(efuses, "SECURE_BOOT_EN", SecurityInfo.SECURE_BOOT_EN)
                | flag(efuses, "SECURE_BOOT_AGGRESSIVE_REVOKE", SecurityInfo.SECURE_BOOT_AGGRESSIVE_REVOKE)
                | flag(efuses, "ENABLE_SECURITY_DOWNLOAD", SecurityInfo.SECURE_DOWNLOAD_ENABLE)
                | flag(efuses, "SECURE_BOOT_KEY_REVOKE0", SecurityInfo.SECURE_BOOT_KEY_REVOKE0)
                | flag(efuses, "SECURE_BOOT_KEY_REVOKE1", SecurityInfo.SECURE_BOOT_KEY_REVOKE1)
                | flag(efuses, "SECURE_BOOT_KEY_REVOKE2", SecurityInfo.SECURE_BOOT_KEY_REVOKE2)
                | flag(efuses, "DIS_PAD_JTAG", SecurityInfo.HARD_DIS_JTAG)
                | flag(efuses, "DIS_DOWNLOAD_DCACHE", SecurityInfo.DIS_DOWNLOAD_DCACHE)
                | flag(efuses, "DIS_DOWNLOAD_ICACHE", SecurityInfo.DIS_DOWNLOAD_ICACHE);
        byte[] purposes = new byte[7];
        for (int i = 0; i < 6; i++) {
            if (layout.field("KEY_PURPOSE_" + i).isPresent()) {
                purposes[i] = (byte) efuses.get("KEY_PURPOSE_" + i);
            }
        }
        int cryptCnt = (int) efuses.get(layout.cryptCntField());
        boolean full = length.getAsInt() == SecurityInfo.LENGTH;
        return Optional.of(new SecurityInfo(flags, cryptCnt, purposes,
                full ? OptionalInt.of(chip.imageChipId()) : OptionalInt.empty(),
                full ? OptionalInt.of(0) : OptionalInt.empty()));
    }

    private static int flag(Efuses efuses, String field, int bit) {
        return efuses.layout().field(field).isPresent() && efuses.isSet(field) ? bit : 0;
    }

    @Override
    public String toString() {
        return "EfuseRegisters[" + chip.chip().displayName() + "]";
    }
}
