package dev.flota.bench.ota;

import dev.flota.bench.CliFiles;
import dev.flota.bench.UsageException;
import dev.flota.ota.HttpsOta;
import dev.flota.ota.http.TlsVersion;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** How {@code update} trusts the server and proves itself: CA bundle, client certificate, server name, TLS version. */
final class TlsOptions {

    @Option(names = "--ca", paramLabel = "PEM", description = "trusted root CA(s): a PEM file with one or more "
            + "certificates, e.g. one per server a redirect reaches (default: the JDK trust store)")
    Path ca;

    @Option(names = "--cert", paramLabel = "PEM", description = "client certificate (mutual TLS)")
    Path cert;

    @Option(names = "--key", paramLabel = "PEM", description = "client key, PKCS#8 (mutual TLS)")
    Path key;

    @Option(names = "--common-name", paramLabel = "NAME", description = "verify the server certificate against NAME "
            + "instead of the URL's host (ESP-IDF's common_name)")
    String commonName;

    @Option(names = "--skip-common-name-check", description = "accept a trusted server certificate whatever name it "
            + "carries (skip_cert_common_name_check; prints a warning)")
    boolean skipCommonNameCheck;

    @Option(names = "--min-tls", paramLabel = "VERSION", defaultValue = "1.2",
            description = "the lowest TLS version accepted: 1.2 or 1.3 (default ${DEFAULT-VALUE})")
    String minimumVersion;

    HttpsOta apply(HttpsOta ota, java.io.PrintWriter err) {
        HttpsOta configured = ota;
        if (ca != null) {
            configured = configured.caPem(CliFiles.readText(ca));
        }
        if ((cert == null) != (key == null)) {
            throw new UsageException("--cert and --key go together");
        }
        if (cert != null) {
            configured = configured.clientCertificate(CliFiles.readText(cert), CliFiles.readText(key));
        }
        if (commonName != null && skipCommonNameCheck) {
            throw new UsageException("--common-name and --skip-common-name-check exclude each other");
        }
        if (commonName != null) {
            configured = configured.commonName(commonName);
        }
        if (skipCommonNameCheck) {
            err.println("warning: --skip-common-name-check: any server with a trusted certificate is accepted");
            configured = configured.skipCommonNameCheck(true);
        }
        return configured.minimumTlsVersion(switch (minimumVersion.strip()) {
            case "1.2" -> TlsVersion.TLS_1_2;
            case "1.3" -> TlsVersion.TLS_1_3;
            default -> throw new UsageException("--min-tls takes 1.2 or 1.3, not '" + minimumVersion + "'");
        });
    }
}
