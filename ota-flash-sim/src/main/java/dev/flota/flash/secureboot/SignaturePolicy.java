package dev.flota.flash.secureboot;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * How a device decides to accept a signature sector (spec formats.md 3.7): the configured scheme, the trusted key
 * digests, how many blocks it examines, and whether a block's stored image digest must match the computed one.
 *
 * <p>ESP-IDF's app-side OTA check never reads the stored {@code image_digest}, while {@code espsecure verify-signature}
 * rejects a stale one; Flota rejects it by default ({@link #strictImageDigest()}), the stricter of the two.
 *
 * @param mode              where the trust comes from
 * @param scheme            the scheme the device is built for; blocks of another scheme or curve are skipped
 * @param trustedDigests    SHA-256 key digests (32 bytes each)
 * @param maxBlocks         blocks examined, 1 to 3
 * @param strictImageDigest reject a block whose stored image digest differs from the computed one
 */
public record SignaturePolicy(SecureBootMode mode, SignatureScheme scheme, List<byte[]> trustedDigests, int maxBlocks,
        boolean strictImageDigest) {

    public SignaturePolicy {
        Objects.requireNonNull(mode);
        Objects.requireNonNull(scheme);
        trustedDigests = List.copyOf(trustedDigests);
        if (trustedDigests.isEmpty() && mode != SecureBootMode.SECURE_BOOT_V2
                || trustedDigests.stream().anyMatch(d -> d.length != 32 && d.length != 16)) {
            throw new IllegalArgumentException("at least one 32-byte trusted key digest is required");
        }
        if (maxBlocks < 1 || maxBlocks > SignatureSector.MAX_BLOCKS) {
            throw new IllegalArgumentException("a device examines 1 to 3 blocks, got " + maxBlocks);
        }
    }

    /** Secure OTA without hardware secure boot, trusting the key that signed the running app. */
    public static SignaturePolicy signedOnUpdate(SecureBootKey runningAppKey) {
        return new SignaturePolicy(SecureBootMode.SIGNED_ON_UPDATE_NO_SECURE_BOOT, runningAppKey.scheme(),
                List.of(runningAppKey.digest()), 1, true);
    }

    /** Hardware Secure Boot V2 with these keys' digests burned in eFuse (all of one scheme), three blocks examined. */
    public static SignaturePolicy secureBootV2(List<SecureBootKey> efuseKeys) {
        SignatureScheme scheme = efuseKeys.get(0).scheme();
        if (efuseKeys.stream().anyMatch(k -> k.scheme() != scheme)) {
            throw new IllegalArgumentException("a device is configured for one scheme; keys mix " + efuseKeys);
        }
        return new SignaturePolicy(SecureBootMode.SECURE_BOOT_V2, scheme,
                efuseKeys.stream().map(SecureBootKey::digest).toList(), SignatureSector.MAX_BLOCKS, true);
    }

    /**
     * Hardware Secure Boot V2 trusting the digests read from eFuse ({@code esp_secure_boot_read_key_digests}: revoked
     * slots left out). The list may be empty (every key revoked): then nothing verifies. A 16-byte digest (ESP32-C2
     * keeps only that much) trusts a key whose digest starts with it.
     */
    public static SignaturePolicy efuse(SignatureScheme scheme, List<byte[]> efuseDigests, int maxBlocks) {
        return new SignaturePolicy(SecureBootMode.SECURE_BOOT_V2, scheme, efuseDigests, maxBlocks, true);
    }

    /** The same policy examining at most {@code blocks} blocks (ESP32 has a single eFuse digest: 1). */
    public SignaturePolicy withMaxBlocks(int blocks) {
        return new SignaturePolicy(mode, scheme, trustedDigests, blocks, strictImageDigest);
    }

    /** The same policy ignoring the stored image digest, exactly as ESP-IDF's app-side OTA check does. */
    public SignaturePolicy ignoringStoredImageDigest() {
        return new SignaturePolicy(mode, scheme, trustedDigests, maxBlocks, false);
    }

    public boolean needsSha384() {
        return scheme == SignatureScheme.ECDSA_P384;
    }

    /**
     * Verifies {@code sector} against the digests of {@code [0, signatureOffset)} computed by the caller.
     *
     * @param sha384 may be {@code null} unless {@link #needsSha384()}
     */
    public SignatureVerdict verify(SignatureSector sector, byte[] sha256, byte[] sha384) {
        byte[] digest = needsSha384() ? Objects.requireNonNull(sha384, "SHA-384 digest") : sha256;
        List<byte[]> trusted = mode == SecureBootMode.SIGNED_ON_UPDATE_NO_SECURE_BOOT
                ? trustedDigests.subList(0, 1) : trustedDigests;
        List<String> notes = new ArrayList<>();
        for (SignatureSlot slot : sector.slots().subList(0, maxBlocks)) {
            int i = slot.index();
            if (slot.block().isEmpty()) {
                notes.add("block " + i + ": " + slot.problem().map(Throwable::getMessage).orElse("unusable"));
                continue;
            }
            SignatureBlock block = slot.block().get();
            if (block.scheme() != scheme) {
                notes.add("block " + i + " is " + block.scheme() + ", device is configured for " + scheme);
            } else if (trusted.stream().noneMatch(t -> trusts(t, block.keyDigest()))) {
                notes.add("block " + i + " key digest " + HexFormat.of().formatHex(block.keyDigest())
                        + " is not trusted");
            } else if (strictImageDigest && !Arrays.equals(block.imageDigest(), digest)) {
                notes.add("block " + i + " stored image digest does not match the image (stale block)");
            } else if (!block.key().verify(digest, block.signatureBytes())) {
                notes.add("block " + i + " signature does not verify");
            } else {
                return new SignatureVerdict(true, i, notes);
            }
        }
        if (trusted.isEmpty()) {
            notes.add("no trusted key digest (every Secure Boot key is revoked or missing)");
        }
        return new SignatureVerdict(false, -1, notes);
    }

    /** Which trusted digest, by index in {@link #trustedDigests()}, names {@code keyDigest}; -1 for none. */
    public int trustedIndexOf(byte[] keyDigest) {
        for (int i = 0; i < trustedDigests.size(); i++) {
            if (trusts(trustedDigests.get(i), keyDigest)) {
                return i;
            }
        }
        return -1;
    }

    private static boolean trusts(byte[] trusted, byte[] keyDigest) {
        return Arrays.equals(trusted, 0, trusted.length, keyDigest, 0, trusted.length);
    }

    /** Value equality, the trusted digests compared by their bytes. */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof SignaturePolicy o) || o.mode != mode || o.scheme != scheme || o.maxBlocks != maxBlocks
                || o.strictImageDigest != strictImageDigest || o.trustedDigests.size() != trustedDigests.size()) {
            return false;
        }
        for (int i = 0; i < trustedDigests.size(); i++) {
            if (!Arrays.equals(o.trustedDigests.get(i), trustedDigests.get(i))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public int hashCode() {
        int hash = Objects.hash(mode, scheme, maxBlocks, strictImageDigest);
        for (byte[] digest : trustedDigests) {
            hash = 31 * hash + Arrays.hashCode(digest);
        }
        return hash;
    }
}
