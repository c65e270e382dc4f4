package dev.flota.bench.reference;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The raw fleet's requests mirror the engine's, and the figures derived from both sides. */
class FleetReferenceTest {

    @Test
    void rangesCoverTheImageInRequestSizedPiecesOrOneGet() {
        List<long[]> ranges = RawFleet.ranges(1024 * 1024 + 512, 64 * 1024);
        assertThat(ranges).hasSize(17);
        assertThat(ranges.get(0)).containsExactly(0, 65535);
        assertThat(ranges.get(16)).containsExactly(1024 * 1024, 1024 * 1024 + 511);
        for (int i = 1; i < ranges.size(); i++) {
            assertThat(ranges.get(i)[0]).isEqualTo(ranges.get(i - 1)[1] + 1);
        }
        assertThat(RawFleet.ranges(4096, 65536)).singleElement().satisfies(r -> assertThat(r).isEmpty());
        assertThat(RawFleet.ranges(1 << 20, 0)).singleElement().satisfies(r -> assertThat(r).isEmpty());
    }
}
