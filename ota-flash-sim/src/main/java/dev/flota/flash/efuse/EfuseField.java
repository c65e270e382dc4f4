package dev.flota.flash.efuse;

/**
 * One eFuse field as espefuse's summary names it: where its bits are, which {@code WR_DIS} bit freezes it and which
 * {@code RD_DIS} bit hides it.
 *
 * @param name            espefuse's name, e.g. {@code SPI_BOOT_CRYPT_CNT}
 * @param block           the eFuse block (0 = BLK0)
 * @param start           bit offset within the block
 * @param bits            width in bits
 * @param writeDisableBit the {@code WR_DIS} bit that write-protects it, -1 for none
 * @param readDisableBit  the {@code RD_DIS} bit that read-protects its block, -1 for none
 * @param description     what it means
 */
public record EfuseField(String name, int block, int start, int bits, int writeDisableBit, int readDisableBit,
        String description) {

    public EfuseField {
        if (block < 0 || block >= Efuses.BLOCKS || start < 0 || bits < 1 || start + bits > Efuses.BLOCK_BITS) {
            throw new IllegalArgumentException("eFuse field " + name + " does not fit its block");
        }
    }

    /** True for the 256-bit key and digest blocks, shown as bytes rather than a number. */
    public boolean isBytes() {
        return bits > 64;
    }
}
