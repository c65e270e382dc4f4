package dev.flota.flash.efuse;

import dev.flota.flash.efuse.EfuseException.Reason;
import dev.flota.flash.efuse.EfuseLayout.Family;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * What the security features read from and burn into eFuse, over one {@link Efuses} value: Secure Boot V2 digests
 * ({@code esp_secure_boot_read_key_digests}), their revocation, the flash-encryption key and counter, the
 * anti-rollback secure version and the eFuse block revision. Burns return the new {@link Efuses}.
 */
public final class SecurityEfuses {

    private static final int DIGEST_BYTES = 32;
    private static final int C2_DIGEST_BYTES = 16;

    private final Efuses efuses;
    private final EfuseLayout layout;

    SecurityEfuses(Efuses efuses) {
        this.efuses = efuses;
        this.layout = efuses.layout();
    }

    // --- Secure Boot V2 ---

    /** {@code ABS_DONE_1} (ESP32) or {@code SECURE_BOOT_EN}. */
    public boolean secureBootEnabled() {
        return efuses.isSet(layout.secureBootEnableField());
    }

    public Efuses enableSecureBoot() {
        return efuses.burn(layout.secureBootEnableField(), 1);
    }

    /**
     * The trusted key digests by slot, as {@code esp_secure_boot_read_key_digests} returns them: a slot is empty when
     * revoked or when no block has its purpose. A read-protected digest reads as zeros (and so trusts nothing). On
     * ESP32 the one slot is BLOCK2 (empty while it is all zeros); on C2 the slot holds the first 16 bytes of the
     * digest, from BLOCK_KEY0's upper half.
     */
    public List<Optional<byte[]>> secureBootDigests() {
        List<Optional<byte[]>> slots = new ArrayList<>();
        switch (layout.family()) {
            case ESP32 -> {
                byte[] digest = efuses.bytes("BLOCK2");
                slots.add(isZero(digest) ? Optional.empty() : Optional.of(digest));
            }
            case ESP32_C2 -> {
                byte[] raw = efuses.rawBytes(layout.require("BLOCK_KEY0"));
                byte[] upper = (efuses.get("RD_DIS") & 2) != 0 ? new byte[C2_DIGEST_BYTES]
                        : Arrays.copyOfRange(raw, C2_DIGEST_BYTES, DIGEST_BYTES);
                slots.add(isZero(Arrays.copyOfRange(raw, C2_DIGEST_BYTES, DIGEST_BYTES)) ? Optional.empty()
                        : Optional.of(upper));
            }
            case KEY_PURPOSES -> {
                for (int slot = 0; slot < 3; slot++) {
                    slots.add(revoked(slot) ? Optional.empty() : digestBlock(slot).map(efuses::bytes));
                }
            }
        }
        return slots;
    }

    /** The trusted, unrevoked digests in slot order. */
    public List<byte[]> trustedDigests() {
        return secureBootDigests().stream().flatMap(Optional::stream).toList();
    }

    /** The key block holding {@code SECURE_BOOT_DIGESTslot}, if any. */
    public Optional<String> digestBlock(int slot) {
        if (layout.family() != Family.KEY_PURPOSES) {
            return slot == 0 ? Optional.of(layout.family() == Family.ESP32 ? "BLOCK2" : "BLOCK_KEY0")
                    : Optional.empty();
        }
        for (int n = 0; n < 6; n++) {
            if (efuses.get("KEY_PURPOSE_" + n) == KeyPurpose.secureBootDigest(slot).value()) {
                return Optional.of("BLOCK_KEY" + n);
            }
        }
        return Optional.empty();
    }

    /** Whether digest slot {@code slot} is revoked ({@code SECURE_BOOT_KEY_REVOKEslot}); never on ESP32 and C2. */
    public boolean revoked(int slot) {
        return layout.supportsRevocation() && efuses.isSet("SECURE_BOOT_KEY_REVOKE" + slot);
    }

    /** Burns {@code SECURE_BOOT_KEY_REVOKEslot}. */
    public Efuses revoke(int slot) {
        if (!layout.supportsRevocation()) {
            throw new EfuseException(Reason.NOT_SUPPORTED, layout.chip().displayName()
                    + " cannot revoke Secure Boot keys");
        }
        if (slot < 0 || slot > 2) {
            throw new EfuseException(Reason.UNKNOWN_FIELD, "digest slot " + slot + " is not 0, 1 or 2");
        }
        return efuses.burn("SECURE_BOOT_KEY_REVOKE" + slot, 1);
    }

    public boolean aggressiveRevoke() {
        return layout.supportsRevocation() && efuses.isSet("SECURE_BOOT_AGGRESSIVE_REVOKE");
    }

    /**
     * Burns a public-key digest into the next free slot as {@code espefuse burn-key secure_boot_v2} /
     * {@code burn-key BLOCK_KEYn DIGEST SECURE_BOOT_DIGESTm} does: ESP32 BLOCK2, C2 the upper half of BLOCK_KEY0
     * (first 16 bytes of the digest), else the first free key block with purpose {@code SECURE_BOOT_DIGESTm} for the
     * first unused m. The block and its purpose are write-protected; the digest is not reversed.
     */
    public Efuses burnSecureBootDigest(byte[] digest) {
        if (digest.length != DIGEST_BYTES) {
            throw new IllegalArgumentException("a key digest is 32 bytes, got " + digest.length);
        }
        switch (layout.family()) {
            case ESP32 -> {
                requireFree("BLOCK2");
                return efuses.burnBytes("BLOCK2", digest).writeProtect("BLOCK2");
            }
            case ESP32_C2 -> {
                byte[] raw = efuses.rawBytes(layout.require("BLOCK_KEY0"));
                if (!isZero(Arrays.copyOfRange(raw, C2_DIGEST_BYTES, DIGEST_BYTES))) {
                    throw new EfuseException(Reason.NO_FREE_KEY_BLOCK, "BLOCK_KEY0 already holds a digest");
                }
                System.arraycopy(digest, 0, raw, C2_DIGEST_BYTES, C2_DIGEST_BYTES);
                return efuses.burnBytes("BLOCK_KEY0", raw);
            }
            default -> {
                int slot = 0;
                while (slot < 3 && digestBlock(slot).isPresent()) {
                    slot++;
                }
                if (slot == 3) {
                    throw new EfuseException(Reason.NO_FREE_KEY_BLOCK, "all three SECURE_BOOT_DIGEST slots are used");
                }
                String block = freeKeyBlock();
                String purpose = "KEY_PURPOSE_" + block.substring("BLOCK_KEY".length());
                return efuses.burnBytes(block, digest).burn(purpose, KeyPurpose.secureBootDigest(slot).value())
                        .writeProtect(block).writeProtect(purpose);
            }
        }
    }

    // --- flash encryption ---

    /** {@code FLASH_CRYPT_CNT} (ESP32, 7 bits) or {@code SPI_BOOT_CRYPT_CNT} (3 bits). */
    public int cryptCnt() {
        return (int) efuses.get(layout.cryptCntField());
    }

    /** Flash encryption is on when the counter has an odd number of bits set. */
    public boolean flashEncryptionEnabled() {
        return Integer.bitCount(cryptCnt()) % 2 == 1;
    }

    /** Burns the counter to {@code value} (it must keep every bit already set). */
    public Efuses burnCryptCnt(int value) {
        return efuses.burn(layout.cryptCntField(), value);
    }

    /** ESP32 {@code FLASH_CRYPT_CONFIG}; 0xF (all tweak ranges) elsewhere is meaningless and reads as 0. */
    public int flashCryptConfig() {
        return layout.family() == Family.ESP32 ? (int) efuses.get("FLASH_CRYPT_CONFIG") : 0;
    }

    public Efuses burnFlashCryptConfig(int value) {
        return efuses.burn(layout.require("FLASH_CRYPT_CONFIG").name(), value);
    }

    /**
     * Burns a flash-encryption key file as {@code espefuse burn-key} does: byte-reversed into ESP32 BLOCK1 (32 bytes,
     * or 24 under 3/4 coding, not modelled); on key-purpose chips 32 bytes into the first free key block with
     * {@code XTS_AES_128_KEY}, or 64 bytes split into {@code XTS_AES_256_KEY_1} and {@code _2} (S2, S3, P4); on C2 a
     * 32-byte key, or a 16-byte one into the low half. The key blocks are read- and write-protected, and their
     * purposes write-protected, as the bootloader leaves them.
     */
    public Efuses burnFlashEncryptionKey(byte[] keyFile) {
        switch (layout.family()) {
            case ESP32 -> {
                if (keyFile.length != 32) {
                    throw new EfuseException(Reason.VALUE_TOO_WIDE, "an ESP32 flash-encryption key is 32 bytes, got "
                            + keyFile.length);
                }
                requireFree("BLOCK1");
                return efuses.burnBytes("BLOCK1", Efuses.reversed(keyFile)).writeProtect("BLOCK1")
                        .readProtect("BLOCK1");
            }
            case ESP32_C2 -> {
                if (keyFile.length != 16 && keyFile.length != 32) {
                    throw new EfuseException(Reason.VALUE_TOO_WIDE, "an ESP32-C2 flash-encryption key is 16 or 32 "
                            + "bytes, got " + keyFile.length);
                }
                byte[] raw = efuses.rawBytes(layout.require("BLOCK_KEY0"));
                byte[] key = Efuses.reversed(keyFile);
                System.arraycopy(key, 0, raw, 0, key.length);
                Efuses burned = efuses.burnBytes("BLOCK_KEY0", raw).burn("XTS_KEY_LENGTH_256",
                        keyFile.length == 32 ? 1 : 0);
                return burned.burn("RD_DIS", burned.get("RD_DIS") | (keyFile.length == 32 ? 3 : 1));
            }
            default -> {
                if (keyFile.length == 32) {
                    return burnKey(efuses, freeKeyBlock(), keyFile, KeyPurpose.XTS_AES_128_KEY);
                }
                if (keyFile.length == 64 && layout.supportsXtsAes256()) {
                    Efuses first = burnKey(efuses, freeKeyBlock(), Arrays.copyOfRange(keyFile, 0, 32),
                            KeyPurpose.XTS_AES_256_KEY_1);
                    return burnKey(first, first.security().freeKeyBlock(), Arrays.copyOfRange(keyFile, 32, 64),
                            KeyPurpose.XTS_AES_256_KEY_2);
                }
                throw new EfuseException(Reason.VALUE_TOO_WIDE, layout.chip().displayName() + " takes a "
                        + (layout.supportsXtsAes256() ? "32- or 64-byte" : "32-byte") + " flash-encryption key, got "
                        + keyFile.length + " bytes");
            }
        }
    }

    /**
     * The flash-encryption key in key-file order, as the encryption engine uses it whatever the read protection:
     * ESP32 BLOCK1 reversed back; XTS-AES-128 one block (32 bytes: K1 then K2); XTS-AES-256 KEY_1 then KEY_2
     * (64 bytes); C2 32 bytes, or the 16-byte low half. Empty while no key is burned.
     */
    public Optional<byte[]> flashEncryptionKey() {
        switch (layout.family()) {
            case ESP32 -> {
                byte[] raw = efuses.rawBytes(layout.require("BLOCK1"));
                return isZero(raw) ? Optional.empty() : Optional.of(Efuses.reversed(raw));
            }
            case ESP32_C2 -> {
                byte[] raw = efuses.rawBytes(layout.require("BLOCK_KEY0"));
                boolean full = efuses.get("XTS_KEY_LENGTH_256") != 0;
                byte[] key = Arrays.copyOfRange(raw, 0, full ? 32 : 16);
                return isZero(key) ? Optional.empty() : Optional.of(Efuses.reversed(key));
            }
            default -> {
                Optional<String> k128 = keyBlockWith(KeyPurpose.XTS_AES_128_KEY);
                if (k128.isPresent()) {
                    return Optional.of(Efuses.reversed(efuses.rawBytes(layout.require(k128.get()))));
                }
                Optional<String> k1 = keyBlockWith(KeyPurpose.XTS_AES_256_KEY_1);
                Optional<String> k2 = keyBlockWith(KeyPurpose.XTS_AES_256_KEY_2);
                if (k1.isEmpty() || k2.isEmpty()) {
                    return Optional.empty();
                }
                byte[] key = new byte[64];
                System.arraycopy(Efuses.reversed(efuses.rawBytes(layout.require(k1.get()))), 0, key, 0, 32);
                System.arraycopy(Efuses.reversed(efuses.rawBytes(layout.require(k2.get()))), 0, key, 32, 32);
                return Optional.of(key);
            }
        }
    }

    /** The first key block with {@code purpose}. */
    public Optional<String> keyBlockWith(KeyPurpose purpose) {
        for (String block : layout.keyBlocks()) {
            if (efuses.get("KEY_PURPOSE_" + block.substring("BLOCK_KEY".length())) == purpose.value()) {
                return Optional.of(block);
            }
        }
        return Optional.empty();
    }

    // --- anti-rollback and revisions ---

    /** The anti-rollback secure version: the number of {@code SECURE_VERSION} bits set (a thermometer code). */
    public int secureVersion() {
        return Long.bitCount(efuses.get("SECURE_VERSION"));
    }

    /** The width of {@code SECURE_VERSION}: 32 on ESP32, 4 on C2, 16 elsewhere. */
    public int secureVersionBits() {
        return layout.require("SECURE_VERSION").bits();
    }

    /** Burns the lowest {@code version} bits of {@code SECURE_VERSION}; never lowers it. */
    public Efuses burnSecureVersion(int version) {
        if (version < 0 || version > secureVersionBits()) {
            throw new EfuseException(Reason.VALUE_TOO_WIDE, "secure version " + version + " exceeds the "
                    + secureVersionBits() + "-bit eFuse field");
        }
        if (version <= secureVersion()) {
            return efuses;
        }
        return efuses.burn("SECURE_VERSION", version == 64 ? -1L : (1L << version) - 1);
    }

    /** The eFuse block revision ({@code efuse_hal_blk_version}), major * 100 + minor; 0 on ESP32. */
    public int blockRevision() {
        if (layout.field("BLK_VERSION_MAJOR").isEmpty()) {
            return 0;
        }
        return (int) (efuses.get("BLK_VERSION_MAJOR") * 100 + efuses.get("BLK_VERSION_MINOR"));
    }

    /** Burns {@code BLK_VERSION_MAJOR} and {@code _MINOR} (major 0..3, minor 0..7); ESP32 has neither. */
    public Efuses burnBlockRevision(int revision) {
        if (revision == blockRevision()) {
            return efuses;
        }
        if (layout.field("BLK_VERSION_MAJOR").isEmpty()) {
            throw new EfuseException(Reason.NOT_SUPPORTED, layout.chip().displayName()
                    + " has no eFuse block revision");
        }
        return efuses.burn("BLK_VERSION_MAJOR", revision / 100).burn("BLK_VERSION_MINOR", revision % 100);
    }

    // --- helpers ---

    String freeKeyBlock() {
        for (String block : layout.keyBlocks()) {
            String purpose = "KEY_PURPOSE_" + block.substring("BLOCK_KEY".length());
            if (efuses.get(purpose) == 0 && !efuses.writeProtected(block)
                    && isZero(efuses.rawBytes(layout.require(block)))) {
                return block;
            }
        }
        throw new EfuseException(Reason.NO_FREE_KEY_BLOCK, "no free key block (BLOCK_KEY0..5 all used)");
    }

    private static Efuses burnKey(Efuses efuses, String block, byte[] key, KeyPurpose purpose) {
        String purposeField = "KEY_PURPOSE_" + block.substring("BLOCK_KEY".length());
        return efuses.burnBytes(block, Efuses.reversed(key)).burn(purposeField, purpose.value())
                .writeProtect(block).writeProtect(purposeField).readProtect(block);
    }

    private void requireFree(String block) {
        if (!isZero(efuses.rawBytes(layout.require(block)))) {
            throw new EfuseException(Reason.NO_FREE_KEY_BLOCK, block + " is already burned");
        }
    }

    private static boolean isZero(byte[] bytes) {
        for (byte b : bytes) {
            if (b != 0) {
                return false;
            }
        }
        return true;
    }
}
