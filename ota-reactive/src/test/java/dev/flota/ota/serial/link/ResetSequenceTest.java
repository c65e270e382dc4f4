package dev.flota.ota.serial.link;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reset sequences reach the lines in esptool's order, and wait through the injected sleeper only. */
class ResetSequenceTest {

    @Test
    void classicResetHoldsTheStrapLowWhileEnRises() throws Exception {
        RecordingLink link = new RecordingLink(false);
        List<Duration> sleeps = new ArrayList<>();
        ResetSequence.classic(ResetSequence.DEFAULT_DELAY).run(link, sleeps::add);
        assertThat(link.calls).containsExactly("DTR=0", "RTS=1", "DTR=1", "RTS=0", "DTR=0");
        assertThat(sleeps).containsExactly(Duration.ofMillis(100), Duration.ofMillis(50));
    }

    @Test
    void unixTightSetsBothLinesAtOnce() throws Exception {
        RecordingLink link = new RecordingLink(false);
        ResetSequence.unixTight(ResetSequence.SLOW_DELAY).run(link, d -> { });
        assertThat(link.calls).containsExactly("DTR=0,RTS=0", "DTR=1,RTS=1", "DTR=0,RTS=1", "DTR=1,RTS=0",
                "DTR=0,RTS=0", "DTR=0");
    }

    @Test
    void hardResetPulsesEnOnly() throws Exception {
        RecordingLink link = new RecordingLink(false);
        List<Duration> sleeps = new ArrayList<>();
        ResetSequence.hardReset(false).run(link, sleeps::add);
        assertThat(link.calls).containsExactly("RTS=1", "RTS=0");
        assertThat(sleeps).containsExactly(Duration.ofMillis(100));
    }

    @Test
    void aUsbJtagSerialPortGetsOnlyItsOwnSequence() {
        assertThat(ResetSequence.intoBootloader(new RecordingLink(true))).extracting(ResetSequence::name)
                .containsExactly("USBJTAGSerialReset");
        assertThat(ResetSequence.intoBootloader(new RecordingLink(false))).extracting(ResetSequence::name)
                .containsExactly("ClassicReset", "ClassicReset");
    }

    private static final class RecordingLink implements SerialLink {

        final List<String> calls = new ArrayList<>();
        private final boolean usbJtag;

        RecordingLink(boolean usbJtag) {
            this.usbJtag = usbJtag;
        }

        @Override
        public int read(byte[] buffer, int offset, int length, Duration timeout) {
            return 0;
        }

        @Override
        public void write(byte[] bytes) {
        }

        @Override
        public void discardInput() {
        }

        @Override
        public boolean hasControlLines() {
            return true;
        }

        @Override
        public boolean isUsbJtagSerial() {
            return usbJtag;
        }

        @Override
        public void dtr(boolean asserted) {
            calls.add("DTR=" + (asserted ? 1 : 0));
        }

        @Override
        public void rts(boolean asserted) {
            calls.add("RTS=" + (asserted ? 1 : 0));
        }

        @Override
        public void lines(boolean dtr, boolean rts) {
            calls.add("DTR=" + (dtr ? 1 : 0) + ",RTS=" + (rts ? 1 : 0));
        }

        @Override
        public void baudRate(int baud) {
        }

        @Override
        public String description() {
            return "recording";
        }

        @Override
        public void close() {
        }
    }
}
