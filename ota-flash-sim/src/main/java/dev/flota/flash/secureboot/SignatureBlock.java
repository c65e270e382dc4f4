package dev.flota.flash.secureboot;

import dev.flota.flash.secureboot.SignatureBlockException.Reason;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.zip.CRC32;

/**
 * One 1216-byte Secure Boot V2 signature block ({@code ets_secure_boot_sig_block_t}): magic 0xE7, the scheme, the image
 * digest it was made for, the signer's public key and the signature, protected by a CRC-32 over bytes 0..1195.
 */
public sealed interface SignatureBlock permits RsaSignatureBlock, EcdsaSignatureBlock {

    int SIZE = 1216;
    int MAGIC = 0xE7;
    /** Bytes covered by {@code block_crc} ({@code CRC_SIGN_BLOCK_LEN}). */
    int CRC_LENGTH = 1196;

    SignatureScheme scheme();

    /** The {@code image_digest} field: what the signer says it signed (32 or 48 bytes). */
    byte[] imageDigest();

    /** The signer's key in device form. */
    SecureBootKey key();

    /** The signature in the byte order of the usual encodings (big-endian RSA signature, or r then s big-endian). */
    byte[] signatureBytes();

    /** The 1216 bytes with the CRC filled in. */
    byte[] encode();

    /** SHA-256 over the key part of the block: the value burned into eFuse or trusted from the running app. */
    default byte[] keyDigest() {
        return key().digest();
    }

    /**
     * Reads the block at {@code offset}.
     *
     * @throws SignatureBlockException when the slot is erased, has a bad magic or CRC, or an unknown scheme
     */
    static SignatureBlock parse(byte[] bytes, int offset) {
        if (offset < 0 || bytes.length - offset < SIZE) {
            throw new SignatureBlockException(Reason.MALFORMED, "signature block needs " + SIZE + " bytes");
        }
        int magic = bytes[offset] & 0xFF;
        if (magic != MAGIC) {
            boolean erased = magic == 0xFF && bytes[offset + 1] == (byte) 0xFF;
            throw new SignatureBlockException(erased ? Reason.EMPTY : Reason.BAD_MAGIC, erased
                    ? "signature block slot is empty (0xFF)" : String.format("signature block magic 0x%02x, expected 0xe7", magic));
        }
        ByteBuffer in = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long storedCrc = in.getInt(offset + CRC_LENGTH) & 0xFFFFFFFFL;
        long computedCrc = crc(bytes, offset);
        if (storedCrc != computedCrc) {
            throw new SignatureBlockException(Reason.BAD_CRC, String.format(
                    "signature block CRC 0x%08x stored, 0x%08x computed", storedCrc, computedCrc));
        }
        int version = bytes[offset + 1] & 0xFF;
        return switch (version) {
            case 2 -> RsaSignatureBlock.parseBody(bytes, offset);
            case 3 -> EcdsaSignatureBlock.parseBody(bytes, offset);
            default -> throw new SignatureBlockException(Reason.UNKNOWN_VERSION,
                    "signature block version " + version + " is neither 2 (RSA) nor 3 (ECDSA)");
        };
    }

    /** CRC-32 (zlib) over the first 1196 bytes of the block at {@code offset}. */
    static long crc(byte[] block, int offset) {
        CRC32 crc = new CRC32();
        crc.update(block, offset, CRC_LENGTH);
        return crc.getValue();
    }

    /** Writes the CRC of a freshly built block in place and returns it. */
    static byte[] sealed(byte[] block) {
        ByteBuffer.wrap(block).order(ByteOrder.LITTLE_ENDIAN).putInt(CRC_LENGTH, (int) crc(block, 0));
        return block;
    }

    static byte[] sha256(byte[] bytes, int offset, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(bytes, offset, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
