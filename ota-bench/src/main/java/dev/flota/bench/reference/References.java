package dev.flota.bench.reference;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * What a user would pick instead of Flota, measured the same way: {@code curl} (a whole GET, or the same ranged
 * requests in a loop on one connection) and a naive JDK {@code HttpClient} download to a file. Each returns MB/s.
 */
public final class References {

    private References() {
    }

    public static boolean curlAvailable() {
        try {
            return new ProcessBuilder("curl", "--version").redirectErrorStream(true).start().waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** curl with a config file: one transfer, or one per range with {@code next}, all on one kept-alive connection. */
    public static double curl(String url, Path ca, long bytes, int requestSize)
            throws IOException, InterruptedException {
        Path config = Files.createTempFile("flota-curl", ".conf");
        try {
            List<String> lines = new ArrayList<>();
            lines.add("cacert = \"" + ca + "\"");
            lines.add("silent");
            if (requestSize <= 0) {
                lines.add("url = \"" + url + "\"");
                lines.add("output = \"/dev/null\"");
            } else {
                for (long start = 0; start < bytes; start += requestSize) {
                    if (start > 0) {
                        lines.add("next");
                        lines.add("cacert = \"" + ca + "\"");
                        lines.add("silent");
                    }
                    lines.add("url = \"" + url + "\"");
                    lines.add("range = " + start + "-" + (Math.min(bytes, start + requestSize) - 1));
                    lines.add("output = \"/dev/null\"");
                }
            }
            Files.write(config, lines, StandardCharsets.UTF_8);
            long t0 = System.nanoTime();
            Process curl = new ProcessBuilder("curl", "--config", config.toString()).redirectErrorStream(true)
                    .start();
            byte[] output = curl.getInputStream().readAllBytes();
            if (curl.waitFor() != 0) {
                throw new IOException("curl failed: " + new String(output, StandardCharsets.UTF_8));
            }
            return bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
        } finally {
            Files.deleteIfExists(config);
        }
    }

    /** Seconds curl takes to download {@code url} into {@code file} (one GET, trusting {@code ca}). */
    public static double curlToFile(String url, Path ca, Path file) throws IOException, InterruptedException {
        long t0 = System.nanoTime();
        Process curl = new ProcessBuilder("curl", "--silent", "--show-error", "--fail", "--cacert", ca.toString(),
                "--output", file.toString(), url).redirectErrorStream(true).start();
        byte[] output = curl.getInputStream().readAllBytes();
        if (curl.waitFor() != 0) {
            throw new IOException("curl failed: " + new String(output, StandardCharsets.UTF_8));
        }
        return (System.nanoTime() - t0) / 1e9;
    }

    /** java.net.http.HttpClient, HTTP/1.1, body to a temporary file. */
    public static double jdkHttpClient(String url, String caPem, long bytes, int requestSize) throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(trusting(caPem))
                .build();
        Path file = Files.createTempFile("flota-jdk", ".bin");
        try {
            long t0 = System.nanoTime();
            if (requestSize <= 0) {
                client.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofFile(file));
            } else {
                for (long start = 0; start < bytes; start += requestSize) {
                    long end = Math.min(bytes, start + requestSize) - 1;
                    HttpResponse<byte[]> response = client.send(HttpRequest.newBuilder(URI.create(url))
                            .header("Range", "bytes=" + start + "-" + end).build(),
                            HttpResponse.BodyHandlers.ofByteArray());
                    Files.write(file, response.body(), StandardOpenOption.APPEND);
                }
            }
            return bytes / 1e6 / ((System.nanoTime() - t0) / 1e9);
        } finally {
            Files.deleteIfExists(file);
        }
    }

    private static SSLContext trusting(String caPem) throws Exception {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        store.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(caPem.getBytes(StandardCharsets.US_ASCII))));
        TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        trust.init(store);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, trust.getTrustManagers(), null);
        return context;
    }
}
