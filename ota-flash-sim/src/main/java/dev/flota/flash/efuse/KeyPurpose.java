package dev.flota.flash.efuse;

import java.util.Optional;

/** The {@code KEY_PURPOSE_n} values of the chips with key purposes ({@code esp_efuse_chip.h}). */
public enum KeyPurpose {
    USER(0),
    RESERVED(1),
    XTS_AES_256_KEY_1(2),
    XTS_AES_256_KEY_2(3),
    XTS_AES_128_KEY(4),
    HMAC_DOWN_ALL(5),
    HMAC_DOWN_JTAG(6),
    HMAC_DOWN_DIGITAL_SIGNATURE(7),
    HMAC_UP(8),
    SECURE_BOOT_DIGEST0(9),
    SECURE_BOOT_DIGEST1(10),
    SECURE_BOOT_DIGEST2(11);

    private final int value;

    KeyPurpose(int value) {
        this.value = value;
    }

    public int value() {
        return value;
    }

    /** {@code SECURE_BOOT_DIGEST0..2} for digest slot 0..2. */
    public static KeyPurpose secureBootDigest(int slot) {
        return values()[SECURE_BOOT_DIGEST0.ordinal() + slot];
    }

    /** The digest slot of a {@code SECURE_BOOT_DIGESTn} purpose, -1 for any other. */
    public int digestSlot() {
        return value >= 9 && value <= 11 ? value - 9 : -1;
    }

    public static Optional<KeyPurpose> of(int value) {
        for (KeyPurpose purpose : values()) {
            if (purpose.value == value) {
                return Optional.of(purpose);
            }
        }
        return Optional.empty();
    }
}
