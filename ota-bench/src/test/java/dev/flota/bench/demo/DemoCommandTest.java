package dev.flota.bench.demo;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.bench.Cli;
import org.junit.jupiter.api.Test;

/** The demo at a tiny size: the README's first command cannot rot. */
class DemoCommandTest {

    @Test
    void everyDeviceRunsTheNewFirmware() {
        Cli cli = Cli.run("demo", "--devices", "3", "--image-size", "96K", "--request-size", "16K");
        assertThat(cli.exitCode()).as(cli.out() + cli.err()).isZero();
        assertThat(cli.out()).contains("devices updated:    3 of 3", "booting v2.0.0:     3",
                "OK: every device runs the new firmware", "flota.ota.updates error=none outcome=success count=3");
    }
}
