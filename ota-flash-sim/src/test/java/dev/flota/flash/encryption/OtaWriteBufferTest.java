package dev.flota.flash.encryption;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class OtaWriteBufferTest {

    record Write(long offset, byte[] data) {
    }

    private final List<Write> writes = new ArrayList<>();
    private final OtaWriteBuffer.PartitionWriter writer =
            (offset, data, from, length) -> writes.add(new Write(offset, Arrays.copyOfRange(data, from, from + length)));

    @Test
    void onlyWhole16ByteBlocksReachThePartitionAndTheTailWaits() {
        OtaWriteBuffer buffer = new OtaWriteBuffer();
        byte[] image = FlashCipherTest.random(100, 1);
        buffer.write(image, 0, 5, writer);
        assertThat(writes).isEmpty();
        assertThat(buffer.wroteSize()).isZero();
        assertThat(buffer.partialBytes()).isEqualTo(5);
        buffer.write(image, 5, 40, writer);
        buffer.write(image, 45, 55, writer);
        assertThat(writes).allSatisfy(w -> {
            assertThat(w.offset() % 16).isZero();
            assertThat(w.data().length % 16).isZero();
        });
        assertThat(buffer.wroteSize()).isEqualTo(96);
        assertThat(buffer.partialBytes()).isEqualTo(4);
        buffer.flush(writer);
        assertThat(buffer.wroteSize()).isEqualTo(112);
        byte[] written = concat();
        assertThat(Arrays.copyOf(written, 100)).isEqualTo(image);
        assertThat(Arrays.copyOfRange(written, 100, 112)).as("pad after a topped-up block").containsOnly((byte) 0xFF);
    }

    @Test
    void aTailNeverToppedUpIsPaddedWithZeros() {
        OtaWriteBuffer buffer = new OtaWriteBuffer();
        byte[] image = FlashCipherTest.random(40, 2);
        buffer.write(image, 0, 40, writer);
        assertThat(buffer.wroteSize()).isEqualTo(32);
        buffer.flush(writer);
        byte[] written = concat();
        assertThat(written).hasSize(48);
        assertThat(Arrays.copyOfRange(written, 40, 48)).containsOnly((byte) 0);
    }

    @Test
    void aResumedBufferWritesFromItsOffset() {
        OtaWriteBuffer buffer = new OtaWriteBuffer(0x1000);
        buffer.write(new byte[32], 0, 32, writer);
        assertThat(writes).singleElement().satisfies(w -> assertThat(w.offset()).isEqualTo(0x1000));
        buffer.flush(writer);
        assertThat(writes).hasSize(1);
    }

    private byte[] concat() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        long expected = 0;
        for (Write w : writes) {
            assertThat(w.offset()).as("writes are contiguous").isEqualTo(expected);
            out.writeBytes(w.data());
            expected += w.data().length;
        }
        return out.toByteArray();
    }
}
