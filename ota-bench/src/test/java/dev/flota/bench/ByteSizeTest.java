package dev.flota.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Sizes given on the command line: every unit spelling, hex, and a clear usage error for anything else. */
class ByteSizeTest {

    @ParameterizedTest
    @CsvSource({"4096, 4096", "0x1000, 4096", "512K, 524288", "64KiB, 65536", "4MB, 4194304", "16MiB, 16777216",
            "16 mib, 16777216", "1GiB, 1073741824", "2G, 2147483648"})
    void unitsArePowersOf1024(String text, long bytes) {
        assertThat(ByteSize.parse(text)).isEqualTo(bytes);
    }

    @ParameterizedTest
    @ValueSource(strings = {"1.5M", "12Q", "1TiB", "0", "-4K", "", "K", "0x", "99999999999999999999"})
    void anythingElseIsAUsageError(String text) {
        assertThatThrownBy(() -> ByteSize.parse(text)).isInstanceOf(UsageException.class);
    }

    @Test
    void aFleetBufferBelowOneUpdatesBoundIsAUsageError() {
        Cli cli = Cli.run("bench", "fleet", "--devices", "1", "--fleet-buffer", "32K");
        assertThat(cli.exitCode()).isEqualTo(2);
        assertThat(cli.err().strip().lines()).singleElement().asString().contains("--fleet-buffer");
    }
}
