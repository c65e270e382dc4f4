package dev.flota.ota.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.ota.fixtures.SelfSignedCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import reactor.netty.resources.ConnectionProvider;

/** TLS responses come from the in-memory copy, and a replaced file is read again. */
class FileCacheTest {

    @TempDir
    Path dir;

    @Test
    void rangesOverTlsServeTheCurrentFile() throws Exception {
        SelfSignedCertificates tls = SelfSignedCertificates.generate();
        byte[] first = Http.image(dir, "fw.bin", 100_000, 1);
        ConnectionProvider pool = ConnectionProvider.create("cache-test", 1);
        try (RunningImageServer server = ImageServer.create().directory(dir).tls(tls.serverCertPem(),
                tls.serverKeyPem()).bindNow()) {
            var client = Http.tls(pool, tls.caPem());
            Http.Reply reply = Http.get(client, server.url("fw.bin"), "Range", "bytes=1000-50999");
            assertThat(reply.status()).isEqualTo(206);
            assertThat(reply.body()).isEqualTo(Arrays.copyOfRange(first, 1000, 51000));

            byte[] second = first.clone();
            second[2000] ^= 1;
            Files.write(dir.resolve("fw.bin"), second);
            Files.setLastModifiedTime(dir.resolve("fw.bin"), FileTime.from(Instant.now().plusSeconds(5)));
            Http.Reply again = Http.get(client, server.url("fw.bin"), "Range", "bytes=1000-50999");
            assertThat(again.body()).isEqualTo(Arrays.copyOfRange(second, 1000, 51000));
            assertThat(Http.get(client, server.url("fw.bin")).body()).isEqualTo(second);
        } finally {
            pool.disposeLater().block();
        }
    }
}
