package dev.flota.bench.profile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Measured CPU split over sampled stages: per thread, waiting samples dropped, the rest of the process unsampled. */
class SampleProfileTest {

    private static final List<String> TLS = List.of("io.netty.internal.tcnative.SSL.readFromSSL",
            "io.netty.handler.ssl.SslHandler.unwrap");
    private static final List<String> DECRYPT = List.of("dev.flota.ota.encrypted.GcmStreamDecryptor.update");
    private static final List<String> FLASH = List.of("dev.flota.flash.nor.NorFlash.program");
    private static final List<String> WAIT = List.of("io.netty.channel.epoll.Native.epollWait");

    @Test
    void eachThreadsCpuIsSplitOverItsSamplesStages() {
        List<SampleProfile.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            samples.add(new SampleProfile.Sample(1, TLS, true));
        }
        samples.add(new SampleProfile.Sample(1, DECRYPT, false));
        for (int i = 0; i < 50; i++) {
            samples.add(new SampleProfile.Sample(1, WAIT, true));
        }
        samples.add(new SampleProfile.Sample(2, FLASH, false));
        samples.add(new SampleProfile.Sample(3, FLASH, false));

        SampleProfile profile = SampleProfile.attribute(samples, Map.of(1L, 4.0, 2L, 0.5), 6.0);

        assertThat(profile.samples()).as("waiting samples do not count").isEqualTo(6);
        assertThat(profile.seconds(Stage.TLS)).isCloseTo(3.0, within(1e-9));
        assertThat(profile.seconds(Stage.DECRYPT)).isCloseTo(1.0, within(1e-9));
        assertThat(profile.seconds(Stage.FLASH_WRITE)).as("thread 3 ended: its CPU is unknown").isCloseTo(0.5,
                within(1e-9));
        assertThat(profile.seconds(Stage.UNSAMPLED)).isCloseTo(1.5, within(1e-9));
        assertThat(profile.totalSeconds()).isCloseTo(6.0, within(1e-9));
        Map<Stage, Double> perMiB = profile.msPerMiB(2L << 20);
        assertThat(perMiB).containsKeys(Stage.TLS, Stage.DECRYPT, Stage.FLASH_WRITE, Stage.UNSAMPLED)
                .doesNotContainKey(Stage.COPIES);
        assertThat(perMiB.get(Stage.TLS)).isCloseTo(1500.0, within(1e-9));
        assertThat(profile.table(2L << 20)).contains("TLS (handshake, record decryption)", "1500.00", "50.0%",
                "total (process CPU)", "3000.00");
    }

    @Test
    void aNativeSampleWeighsTheRoundsOneNativeSlotIsSharedOver() {
        List<SampleProfile.Sample> samples = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            samples.add(new SampleProfile.Sample(9, WAIT, true));
        }
        for (int i = 0; i < 10; i++) {
            samples.add(new SampleProfile.Sample(1, TLS, true));
        }
        for (int i = 0; i < 20; i++) {
            samples.add(new SampleProfile.Sample(1, DECRYPT, false));
        }

        SampleProfile profile = SampleProfile.attribute(samples, Map.of(1L, 5.0, 9L, 0.0), 5.0);

        // 40 rounds took a native sample, the idle thread 30 of them: 10 TLS samples are a third of the time, and 20
        // Java samples (one each round) half of it, so TLS : decryption = 1/3 : 1/2.
        assertThat(profile.seconds(Stage.TLS)).isCloseTo(2.0, within(1e-9));
        assertThat(profile.seconds(Stage.DECRYPT)).isCloseTo(3.0, within(1e-9));
        assertThat(profile.seconds(Stage.UNSAMPLED)).isCloseTo(0.0, within(1e-9));
    }
}
