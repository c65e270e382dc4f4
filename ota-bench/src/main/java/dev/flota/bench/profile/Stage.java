package dev.flota.bench.profile;

/** Where an update spends CPU: the rows of {@code bench profile}'s table, in the order they are printed. */
public enum Stage {
    TLS("TLS (handshake, record decryption)"),
    HTTP_SOCKET("HTTP codec, socket reads, event loop"),
    COPIES("copies"),
    DECRYPT("image decryption"),
    INSPECTION("inspection (headers, app description)"),
    FLASH_WRITE("flash erase and program"),
    READ_BACK("read-back verification (read, SHA-256)"),
    BOOKKEEPING("bookkeeping (events, metrics, budget, journal)"),
    REACTOR("Reactor operators between stages"),
    BENCH("bench harness"),
    OTHER("other Java code"),
    UNSAMPLED("GC, JIT, VM threads (no samples)");

    private final String label;

    Stage(String label) {
        this.label = label;
    }

    public String label() {
        return label;
    }
}
