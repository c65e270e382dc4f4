package dev.flota.flash.secureboot;

import dev.flota.flash.FormatException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * The 4096-byte Secure Boot V2 signature sector that follows a signed image at the next 4 KiB boundary: up to three
 * 1216-byte blocks at 0, 1216 and 2432, the rest erased (0xFF).
 */
public record SignatureSector(List<SignatureSlot> slots) {

    public static final int SIZE = 4096;
    public static final int MAX_BLOCKS = 3;

    public SignatureSector {
        slots = List.copyOf(slots);
    }

    /** Reads the three slots; a malformed slot is recorded in its {@link SignatureSlot}, never thrown. */
    public static SignatureSector parse(byte[] sector) {
        if (sector.length < SIZE) {
            throw new FormatException("signature sector needs " + SIZE + " bytes, got " + sector.length);
        }
        List<SignatureSlot> slots = new ArrayList<>(MAX_BLOCKS);
        for (int i = 0; i < MAX_BLOCKS; i++) {
            try {
                slots.add(new SignatureSlot(i, Optional.of(SignatureBlock.parse(sector, i * SignatureBlock.SIZE)),
                        Optional.empty()));
            } catch (SignatureBlockException e) {
                slots.add(new SignatureSlot(i, Optional.empty(), Optional.of(e)));
            }
        }
        return new SignatureSector(slots);
    }

    /** A sector holding {@code blocks} in order, the rest 0xFF, as {@code espsecure sign-data} writes it. */
    public static byte[] encode(List<? extends SignatureBlock> blocks) {
        if (blocks.isEmpty() || blocks.size() > MAX_BLOCKS) {
            throw new IllegalArgumentException("a signature sector holds 1 to 3 blocks, got " + blocks.size());
        }
        byte[] sector = new byte[SIZE];
        Arrays.fill(sector, (byte) 0xFF);
        for (int i = 0; i < blocks.size(); i++) {
            System.arraycopy(blocks.get(i).encode(), 0, sector, i * SignatureBlock.SIZE, SignatureBlock.SIZE);
        }
        return sector;
    }

    public List<SignatureBlock> blocks() {
        return slots.stream().flatMap(s -> s.block().stream()).toList();
    }
}
