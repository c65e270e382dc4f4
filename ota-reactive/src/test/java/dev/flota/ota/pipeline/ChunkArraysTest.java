package dev.flota.ota.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The chunk arrays an update reuses: an array is handed out again only once the flash took its chunk's last view. */
class ChunkArraysTest {

    @Test
    void aChunkFillsTheEndOfItsArrayAndIsWritableForItsBytesOnly() {
        ByteBuffer chunk = ChunkArrays.take(1000);
        assertThat(chunk.position()).isZero();
        assertThat(chunk.remaining()).isEqualTo(1000);
        assertThat(chunk.isReadOnly()).isFalse();
        assertThat(chunk.arrayOffset() + chunk.limit()).isEqualTo(ChunkArrays.SIZE);
    }

    @Test
    void chunksInFlightTogetherNeverShareAnArray() {
        ByteBuffer first = ChunkArrays.take(ChunkArrays.SIZE);
        ChunkArrays.release(first);
        ByteBuffer second = ChunkArrays.take(4096);
        ByteBuffer third = ChunkArrays.take(4096);
        assertThat(second.array()).isSameAs(first.array());
        assertThat(third.array()).isNotSameAs(second.array());
    }

    @Test
    void anArrayComesBackOnlyWithTheViewThatEndsItsChunk() {
        ByteBuffer chunk = ChunkArrays.take(ChunkArrays.SIZE);
        ByteBuffer head = chunk.slice(0, 4096);
        ByteBuffer tail = chunk.slice(4096, ChunkArrays.SIZE - 4096);
        ChunkArrays.release(head);
        assertThat(ChunkArrays.take(100).array()).isNotSameAs(chunk.array());
        ChunkArrays.release(tail);
        assertThat(ChunkArrays.take(100).array()).isSameAs(chunk.array());
    }

    @Test
    void arraysFromElsewhereAreNotTaken() {
        ByteBuffer large = ChunkArrays.take(ChunkArrays.SIZE + 1);
        assertThat(large.array()).hasSize(ChunkArrays.SIZE + 1);
        ChunkArrays.release(large);
        ByteBuffer foreign = ByteBuffer.allocate(2 * ChunkArrays.SIZE).slice(0, ChunkArrays.SIZE);
        ChunkArrays.release(foreign);
        ChunkArrays.release(ByteBuffer.allocate(ChunkArrays.SIZE).asReadOnlyBuffer());
        ByteBuffer next = ChunkArrays.take(ChunkArrays.SIZE);
        assertThat(next.array()).isNotSameAs(large.array()).isNotSameAs(foreign.array()).hasSize(ChunkArrays.SIZE);
    }
}
