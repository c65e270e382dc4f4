package dev.flota.flash.secureboot;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Appends a Secure Boot V2 signature sector to an image as {@code espsecure sign-data --version 2} does: 0xFF filler to
 * the next 4 KiB boundary, then the sector with one block per signer, each over the digest of the padded image.
 */
public final class ImageSigner {

    private ImageSigner() {
    }

    public static byte[] sign(byte[] image, List<SecureBootSigner> signers) {
        if (signers.isEmpty() || signers.size() > SignatureSector.MAX_BLOCKS) {
            throw new IllegalArgumentException("1 to 3 signing keys, got " + signers.size());
        }
        int padded = (image.length + SignatureSector.SIZE - 1) / SignatureSector.SIZE * SignatureSector.SIZE;
        byte[] signed = Arrays.copyOf(image, padded + SignatureSector.SIZE);
        Arrays.fill(signed, image.length, padded, (byte) 0xFF);
        List<SignatureBlock> blocks = new ArrayList<>();
        for (SecureBootSigner signer : signers) {
            blocks.add(signer.sign(digest(signer.scheme().digestAlgorithm(), signed, padded)));
        }
        System.arraycopy(SignatureSector.encode(blocks), 0, signed, padded, SignatureSector.SIZE);
        return signed;
    }

    static byte[] digest(String algorithm, byte[] bytes, int length) {
        try {
            MessageDigest md = MessageDigest.getInstance(algorithm);
            md.update(bytes, 0, length);
            return md.digest();
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
