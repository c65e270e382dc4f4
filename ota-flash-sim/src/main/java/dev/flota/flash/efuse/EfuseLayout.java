package dev.flota.flash.efuse;

import dev.flota.flash.image.Chip;
import dev.flota.flash.secureboot.SignatureScheme;
import java.util.Collection;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Which eFuse fields a chip has and where (spec device_security.md §3, from espefuse's {@code efuse_defs}): the
 * security fields, the anti-rollback secure version and the eFuse block revision, plus what the chip's Secure Boot V2
 * can do (digest slots, revocation, schemes).
 *
 * <p>ESP32, ESP32-C2 and the chips with key purposes (S2, S3, C3, C6, H2) follow the spec's tables. The other chips
 * (C5, C61, P4, H21, H4, E22, S31) get the ESP32-C3 positions: their own differ, and are not modelled.
 */
public final class EfuseLayout {

    /** Which of the three layouts. */
    public enum Family { ESP32, ESP32_C2, KEY_PURPOSES }

    private final Chip chip;
    private final Family family;
    private final Map<String, EfuseField> fields;

    private EfuseLayout(Chip chip, Family family, Map<String, EfuseField> fields) {
        this.chip = chip;
        this.family = family;
        this.fields = fields;
    }

    public static EfuseLayout of(Chip chip) {
        Map<String, EfuseField> f = new LinkedHashMap<>();
        Family family = chip == Chip.ESP32 ? Family.ESP32 : chip == Chip.ESP32_C2 ? Family.ESP32_C2
                : Family.KEY_PURPOSES;
        switch (family) {
            case ESP32 -> esp32(f);
            case ESP32_C2 -> esp32c2(f);
            case KEY_PURPOSES -> keyPurposes(chip, f);
        }
        return new EfuseLayout(chip, family, java.util.Collections.unmodifiableMap(f));
    }

    private static void esp32(Map<String, EfuseField> f) {
        add(f, "WR_DIS", 0, 0, 16, 1, -1, "Efuse write disable mask");
        add(f, "RD_DIS", 0, 16, 4, 0, -1, "Disable reading from BlOCK1-3");
        add(f, "FLASH_CRYPT_CNT", 0, 20, 7, 2, -1, "Flash encryption is enabled if this field has an odd number of "
                + "bits set");
        add(f, "UART_DOWNLOAD_DIS", 0, 27, 1, 2, -1, "Disable UART download mode. Valid for ESP32 V3 and newer");
        add(f, "FLASH_CRYPT_CONFIG", 0, 188, 4, 10, -1, "Flash encryption config (key tweak bits)");
        add(f, "CODING_SCHEME", 0, 192, 2, 10, -1, "Efuse variable block length scheme");
        add(f, "CONSOLE_DEBUG_DISABLE", 0, 194, 1, 15, -1, "Disable ROM BASIC interpreter fallback");
        add(f, "ABS_DONE_0", 0, 196, 1, 12, -1, "Secure boot V1 is enabled for bootloader image");
        add(f, "ABS_DONE_1", 0, 197, 1, 13, -1, "Secure boot V2 is enabled for bootloader image");
        add(f, "JTAG_DISABLE", 0, 198, 1, 14, -1, "Disable JTAG");
        add(f, "DISABLE_DL_ENCRYPT", 0, 199, 1, 15, -1, "Disable flash encryption in UART bootloader");
        add(f, "DISABLE_DL_DECRYPT", 0, 200, 1, 15, -1, "Disable flash decryption in UART bootloader");
        add(f, "DISABLE_DL_CACHE", 0, 201, 1, 15, -1, "Disable flash cache in UART bootloader");
        add(f, "BLOCK1", 1, 0, 256, 7, 0, "Flash encryption key");
        add(f, "BLOCK2", 2, 0, 256, 8, 1, "Secure boot key");
        add(f, "SECURE_VERSION", 3, 128, 32, 9, 2, "Secure version for anti-rollback");
    }

    private static void esp32c2(Map<String, EfuseField> f) {
        add(f, "WR_DIS", 0, 0, 8, -1, -1, "Disable programming of individual eFuses");
        add(f, "RD_DIS", 0, 32, 2, 0, -1, "Disable reading from BlOCK3 (low and high 128 bits)");
        add(f, "SPI_BOOT_CRYPT_CNT", 0, 39, 3, 2, -1, "Enables flash encryption when 1 or 3 bits are set");
        add(f, "XTS_KEY_LENGTH_256", 0, 42, 1, 2, -1, "Flash encryption key length is 256 bits (else 128, derived)");
        add(f, "DIS_DOWNLOAD_MODE", 0, 46, 1, 3, -1, "Disable download mode");
        add(f, "DIS_DIRECT_BOOT", 0, 47, 1, 3, -1, "Disable direct boot mode");
        add(f, "ENABLE_SECURITY_DOWNLOAD", 0, 48, 1, 3, -1, "Enable secure UART download mode");
        add(f, "SECURE_BOOT_EN", 0, 53, 1, 3, -1, "Enable secure boot");
        add(f, "SECURE_VERSION", 0, 54, 4, 3, -1, "Secure version for anti-rollback");
        add(f, "BLK_VERSION_MINOR", 2, 128, 3, 5, -1, "BLK_VERSION_MINOR of BLOCK2");
        add(f, "BLK_VERSION_MAJOR", 2, 131, 2, 5, -1, "BLK_VERSION_MAJOR of BLOCK2");
        add(f, "BLOCK_KEY0", 3, 0, 256, 6, 0, "BLOCK_KEY0 - 256-bits. 256-bit key of Flash Encryption; or the low "
                + "128 bits a flash key, the high 128 bits the Secure Boot key digest");
    }

    private static void keyPurposes(Chip chip, Map<String, EfuseField> f) {
        add(f, "WR_DIS", 0, 0, 32, -1, -1, "Disable programming of individual eFuses");
        add(f, "RD_DIS", 0, 32, 7, 0, -1, "Disable reading from BlOCK4-10");
        add(f, "DIS_USB_JTAG", 0, 41, 1, 2, -1, "Disable the function of usb switch to jtag");
        if (chip != Chip.ESP32_H2) {
            add(f, "DIS_DOWNLOAD_ICACHE", 0, 42, 1, 2, -1, "Disable Icache in download mode");
        }
        if (chip == Chip.ESP32_S2 || chip == Chip.ESP32_S3) {
            add(f, "DIS_DOWNLOAD_DCACHE", 0, 43, 1, 2, -1, "Disable Dcache in download mode");
        }
        add(f, "DIS_PAD_JTAG", 0, chip == Chip.ESP32_S2 ? 50 : 51, 1, 2, -1, "Disable JTAG in the hard way "
                + "(permanently)");
        add(f, "DIS_DOWNLOAD_MANUAL_ENCRYPT", 0, chip == Chip.ESP32_S2 ? 51 : 52, 1, 2, -1,
                "Disable flash encryption when in download boot modes");
        add(f, "SPI_BOOT_CRYPT_CNT", 0, 82, 3, 4, -1, "Enables flash encryption when 1 or 3 bits are set and "
                + "disables otherwise");
        for (int i = 0; i < 3; i++) {
            add(f, "SECURE_BOOT_KEY_REVOKE" + i, 0, 85 + i, 1, 5 + i, -1, "Revoke " + (i == 0 ? "1st" : i == 1
                    ? "2nd" : "3rd") + " secure boot key");
        }
        for (int i = 0; i < 6; i++) {
            add(f, "KEY_PURPOSE_" + i, 0, 88 + 4 * i, 4, 8 + i, -1, "Represents the purpose of Key" + i);
        }
        add(f, "SECURE_BOOT_EN", 0, 116, 1, 15, -1, "Represents whether secure boot is enabled or disabled");
        add(f, "SECURE_BOOT_AGGRESSIVE_REVOKE", 0, 117, 1, 16, -1, "Represents whether revoking aggressive secure "
                + "boot is enabled or disabled");
        add(f, "DIS_DOWNLOAD_MODE", 0, 128, 1, 18, -1, "Represents whether Download mode is disabled or enabled");
        add(f, "DIS_DIRECT_BOOT", 0, 129, 1, 18, -1, "Represents whether direct boot mode is disabled or enabled");
        add(f, "ENABLE_SECURITY_DOWNLOAD", 0, 133, 1, 18, -1, "Represents whether security download is enabled or "
                + "disabled");
        int secureVersionAt = chip == Chip.ESP32_S2 ? 139 : chip == Chip.ESP32_H2 ? 137 : 142;
        add(f, "SECURE_VERSION", 0, secureVersionAt, 16, 18, -1, "Represents the version used by ESP-IDF "
                + "anti-rollback feature");
        add(f, "BLK_VERSION_MINOR", 1, 120, 3, 20, -1, "BLK_VERSION_MINOR of BLOCK2");
        add(f, "BLK_VERSION_MAJOR", 2, 128, 2, 21, -1, "BLK_VERSION_MAJOR of BLOCK2");
        for (int i = 0; i < 6; i++) {
            add(f, "BLOCK_KEY" + i, 4 + i, 0, 256, 23 + i, i, "Key" + i + " or user data");
        }
    }

    private static void add(Map<String, EfuseField> f, String name, int block, int start, int bits, int wrDis,
            int rdDis, String description) {
        f.put(name, new EfuseField(name, block, start, bits, wrDis, rdDis, description));
    }

    public Chip chip() {
        return chip;
    }

    public Family family() {
        return family;
    }

    public Collection<EfuseField> fields() {
        return fields.values();
    }

    public Optional<EfuseField> field(String name) {
        return Optional.ofNullable(fields.get(name));
    }

    /** The field, or an {@link EfuseException} naming the chip. */
    public EfuseField require(String name) {
        EfuseField field = fields.get(name);
        if (field == null) {
            throw new EfuseException(EfuseException.Reason.UNKNOWN_FIELD, chip.displayName() + " has no eFuse "
                    + name);
        }
        return field;
    }

    /** Secure Boot V2 key digest slots: 3 with key purposes, 1 on ESP32 (BLOCK2) and C2 (half of BLOCK_KEY0). */
    public int secureBootSlots() {
        return family == Family.KEY_PURPOSES ? 3 : 1;
    }

    /** Whether digests can be revoked ({@code SOC_SUPPORT_SECURE_BOOT_REVOKE_KEY}): the three-slot chips. */
    public boolean supportsRevocation() {
        return family == Family.KEY_PURPOSES;
    }

    /** The field whose 1 turns Secure Boot V2 on: {@code ABS_DONE_1} on ESP32, else {@code SECURE_BOOT_EN}. */
    public String secureBootEnableField() {
        return family == Family.ESP32 ? "ABS_DONE_1" : "SECURE_BOOT_EN";
    }

    /** {@code FLASH_CRYPT_CNT} on ESP32, else {@code SPI_BOOT_CRYPT_CNT}. */
    public String cryptCntField() {
        return family == Family.ESP32 ? "FLASH_CRYPT_CNT" : "SPI_BOOT_CRYPT_CNT";
    }

    /** The key blocks that take a {@code KEY_PURPOSE}: BLOCK_KEY0..5 ({@code BLK4..9}); none on ESP32 and C2. */
    public List<String> keyBlocks() {
        return family == Family.KEY_PURPOSES ? List.of("BLOCK_KEY0", "BLOCK_KEY1", "BLOCK_KEY2", "BLOCK_KEY3",
                "BLOCK_KEY4", "BLOCK_KEY5") : List.of();
    }

    /** Whether XTS-AES-256 (two key blocks) exists on the chip: S2, S3 and P4. */
    public boolean supportsXtsAes256() {
        return chip == Chip.ESP32_S2 || chip == Chip.ESP32_S3 || chip == Chip.ESP32_P4;
    }

    /** The Secure Boot V2 schemes the chip's ROM supports (spec §2.1, {@code soc_caps.h}). */
    public Set<SignatureScheme> secureBootSchemes() {
        Set<SignatureScheme> ecdsa = EnumSet.of(SignatureScheme.ECDSA_P192, SignatureScheme.ECDSA_P256,
                SignatureScheme.ECDSA_P384);
        return switch (chip) {
            case ESP32, ESP32_S2, ESP32_S3, ESP32_C3 -> EnumSet.of(SignatureScheme.RSA_3072);
            case ESP32_C2, ESP32_C61 -> ecdsa;
            default -> EnumSet.allOf(SignatureScheme.class);
        };
    }
}
