package dev.flota.flash.nor;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ContentMemoTest {

    private final ContentMemo memo = new ContentMemo(2, 1 << 20);
    private final byte[] contents = bytes(10_000, 7);

    @Test
    void theSameBytesInOtherPiecesGetTheResultOnlyOnceAllArrived() {
        remember("key", contents, "verdict");
        ContentMemo.Lookup lookup = memo.lookup("key");
        assertThat(lookup.offer(contents, 0, 4096)).isTrue();
        assertThat(lookup.result()).isNull();
        assertThat(lookup.offer(contents, 4096, contents.length - 4096)).isTrue();
        assertThat(lookup.result()).isEqualTo("verdict");
        assertThat(memo.hits()).isEqualTo(1);
    }

    @Test
    void oneDifferentByteOrAnotherKeyFindsNothing() {
        remember("key", contents, "verdict");
        byte[] changed = contents.clone();
        changed[9_999] ^= 0x40;
        ContentMemo.Lookup lookup = memo.lookup("key");
        assertThat(lookup.offer(changed, 0, changed.length)).isFalse();
        assertThat(lookup.result()).isNull();
        ContentMemo.Lookup otherKey = memo.lookup("other");
        assertThat(otherKey.offer(contents, 0, contents.length)).isFalse();
        assertThat(memo.hits()).isZero();
    }

    @Test
    void oneRecordingAtATimeAndTheLeastRecentlyMatchedEntryGoesFirst() {
        ContentMemo.Recording first = memo.record("a");
        assertThat(memo.record("b")).as("while another records").isNull();
        first.add(contents, 0, contents.length);
        first.finish("A");
        remember("b", bytes(100, 1), "B");
        memo.lookup("a").offer(contents, 0, contents.length);
        remember("c", bytes(100, 2), "C");
        assertThat(memo.size()).isEqualTo(2);
        assertThat(memo.lookup("a").offer(contents, 0, contents.length)).isTrue();
        assertThat(memo.lookup("b").offer(bytes(100, 1), 0, 100)).as("dropped").isFalse();
    }

    @Test
    void aRecordingLargerThanTheMemoIsAbandonedAndFreesTheSlot() {
        ContentMemo small = new ContentMemo(4, 1000);
        ContentMemo.Recording recording = small.record("k");
        recording.add(contents, 0, contents.length);
        recording.finish("X");
        assertThat(small.size()).isZero();
        assertThat(small.record("k")).isNotNull();
    }

    private void remember(String key, byte[] bytes, String result) {
        ContentMemo.Recording recording = memo.record(key);
        recording.add(bytes, 0, bytes.length / 2);
        recording.add(bytes, bytes.length / 2, bytes.length - bytes.length / 2);
        recording.finish(result);
    }

    private static byte[] bytes(int length, int seed) {
        byte[] bytes = new byte[length];
        for (int i = 0; i < length; i++) {
            bytes[i] = (byte) (i * 31 + seed);
        }
        return bytes;
    }
}
