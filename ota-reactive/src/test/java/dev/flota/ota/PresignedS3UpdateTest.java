package dev.flota.ota;

import static org.assertj.core.api.Assertions.assertThat;

import dev.flota.flash.device.Device;
import dev.flota.flash.testing.TestDevices;
import dev.flota.ota.sim.SimulatedTarget;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.HexFormat;
import java.util.List;
import java.util.Properties;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.gaul.s3proxy.AuthenticationType;
import org.gaul.s3proxy.S3Proxy;
import org.jclouds.ContextBuilder;
import org.jclouds.blobstore.BlobStore;
import org.jclouds.blobstore.BlobStoreContext;
import org.junit.jupiter.api.Test;

/**
 * An update from a presigned GET URL of a real S3-compatible server (s3proxy): HEAD is refused with 403 because the
 * signature covers the GET method, so the size comes from {@code Range: bytes=0-0}, as ESP-IDF does (D7).
 */
class PresignedS3UpdateTest {

    private static final String ACCESS = "flota-access";
    private static final String SECRET = "flota-secret";

    @Test
    void updatesFromAPresignedUrlThatRefusesHead() throws Exception {
        byte[] image = TestDevices.app("2.0");
        Properties properties = new Properties();
        BlobStoreContext context = ContextBuilder.newBuilder("transient").credentials(ACCESS, SECRET)
                .overrides(properties).build(BlobStoreContext.class);
        BlobStore store = context.getBlobStore();
        store.createContainerInLocation(null, "firmware");
        store.putBlob("firmware", store.blobBuilder("app.bin").payload(image).contentLength(image.length).build());
        S3Proxy proxy = S3Proxy.builder().blobStore(store).awsAuthentication(AuthenticationType.AWS_V2_OR_V4, ACCESS,
                SECRET).endpoint(URI.create("http://127.0.0.1:0")).build();
        proxy.start();
        try {
            while (!proxy.getState().equals("STARTED")) {
                Thread.onSpinWait();
            }
            String url = presign("127.0.0.1:" + proxy.getPort(), "/firmware/app.bin");
            SimpleMeterRegistry registry = new SimpleMeterRegistry();
            Device device = TestDevices.device(TestDevices.flash(TestDevices.FACTORY_TWO_SLOTS,
                    TestDevices.app("1.0")), false);
            List<OtaEvent> events = HttpsOta.create().url(url).allowHttp(true).partialHttpDownload(true)
                    .maxHttpRequestSize(16 * 1024).meterRegistry(registry).update(SimulatedTarget.of(device)).collectList()
                    .block(Duration.ofSeconds(60));
            assertThat(events).last().isInstanceOf(OtaEvent.Finished.class);
            assertThat(registry.get("flota.ota.http.responses").tag("status", "403").counter().count())
                    .as("HEAD refused").isEqualTo(1);
            assertThat(events).filteredOn(e -> e instanceof OtaEvent.Connected).singleElement()
                    .isEqualTo(new OtaEvent.Connected(206, image.length));
            assertThat(device.reboot().appDescription().orElseThrow().version()).isEqualTo("2.0");
        } finally {
            proxy.stop();
            context.close();
        }
    }

    /** AWS Signature V4 query presigning of a GET (what {@code aws s3 presign} produces). */
    private static String presign(String host, String path) throws Exception {
        ZonedDateTime now = ZonedDateTime.now(ZoneOffset.UTC);
        String date = now.format(DateTimeFormatter.ofPattern("yyyyMMdd"));
        String time = now.format(DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss'Z'"));
        String scope = date + "/us-east-1/s3/aws4_request";
        String query = "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=" + ACCESS + "%2F" + scope.replace("/", "%2F")
                + "&X-Amz-Date=" + time + "&X-Amz-Expires=600&X-Amz-SignedHeaders=host";
        String canonical = "GET\n" + path + "\n" + query + "\nhost:" + host + "\n\nhost\nUNSIGNED-PAYLOAD";
        String toSign = "AWS4-HMAC-SHA256\n" + time + "\n" + scope + "\n" + HexFormat.of().formatHex(
                MessageDigest.getInstance("SHA-256").digest(canonical.getBytes(StandardCharsets.UTF_8)));
        byte[] key = hmac(("AWS4" + SECRET).getBytes(StandardCharsets.UTF_8), date);
        key = hmac(key, "us-east-1");
        key = hmac(key, "s3");
        key = hmac(key, "aws4_request");
        return "http://" + host + path + "?" + query + "&X-Amz-Signature=" + HexFormat.of().formatHex(hmac(key, toSign));
    }

    private static byte[] hmac(byte[] key, String data) throws Exception {
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(key, "HmacSHA256"));
        return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    }
}
