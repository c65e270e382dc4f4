package dev.flota.ota.http;

/** The lowest TLS version an update accepts: 1.2 (ESP-IDF's mbedTLS default) or 1.3. Nothing older is ever offered. */
public enum TlsVersion {
    TLS_1_2("TLSv1.2"),
    TLS_1_3("TLSv1.3");

    private final String protocol;

    TlsVersion(String protocol) {
        this.protocol = protocol;
    }

    /** The JSSE protocol name. */
    public String protocol() {
        return protocol;
    }

    /** The protocols offered with this minimum, newest first. */
    String[] protocolsFromThisUp() {
        return this == TLS_1_3 ? new String[] {"TLSv1.3"} : new String[] {"TLSv1.3", "TLSv1.2"};
    }
}
