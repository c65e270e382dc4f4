package dev.flota.bench.ota;

import java.io.PrintWriter;

/** A progress bar on a terminal, nothing otherwise (each write is already an event line). */
final class UpdateProgress {
    private final PrintWriter err;
    private final boolean terminal;
    private boolean shown;

    UpdateProgress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
    }

    void show(long bytes) {
        if (terminal) {
            int ticks = (int) Math.min(40, bytes / 32768);
            err.print("\rwriting [" + "#".repeat(ticks) + " ".repeat(40 - ticks) + "] " + bytes + " bytes");
            err.flush();
            shown = true;
        }
    }

    void done() {
        if (shown) {
            err.println();
            err.flush();
        }
    }
}
