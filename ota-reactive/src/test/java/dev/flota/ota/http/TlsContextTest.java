package dev.flota.ota.http;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The client offers nothing weaker than the JDK's defaults, whichever TLS engine (JDK or OpenSSL) runs. */
class TlsContextTest {

    @Test
    void cipherSuitesAreAmongTheJdkDefaultsAndTlsIsAtLeast12() throws Exception {
        var context = TlsContext.of(TlsSettings.jdkTrustStore()).sslContext();
        assertThat(context.cipherSuites()).isNotEmpty().isSubsetOf(TlsContext.jdkDefaultCipherSuites());
        var engine = context.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
        assertThat(protocols(engine)).containsExactlyInAnyOrder("TLSv1.3", "TLSv1.2");
        io.netty.util.ReferenceCountUtil.release(engine);
    }

    @Test
    void tls13OnlyWhenRequired() throws Exception {
        var context = TlsContext.of(TlsSettings.jdkTrustStore().withMinimumVersion(TlsVersion.TLS_1_3)).sslContext();
        var engine = context.newEngine(io.netty.buffer.ByteBufAllocator.DEFAULT);
        assertThat(protocols(engine)).containsExactly("TLSv1.3");
        io.netty.util.ReferenceCountUtil.release(engine);
    }

    /** The protocol versions enabled; OpenSSL's engine also lists the SSLv2Hello format, which is no version. */
    private static java.util.List<String> protocols(javax.net.ssl.SSLEngine engine) {
        return java.util.Arrays.stream(engine.getEnabledProtocols()).filter(p -> !p.equals("SSLv2Hello")).toList();
    }
}
