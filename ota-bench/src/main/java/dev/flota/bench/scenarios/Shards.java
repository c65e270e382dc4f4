package dev.flota.bench.scenarios;

import dev.flota.bench.UsageException;


/** {@code --shard i/n}: which part of a fleet this process runs. */
final class Shards {

    private Shards() {
    }

    static int[] parse(String text) {
        String[] parts = text.split("/");
        try {
            int i = Integer.parseInt(parts[0].trim());
            int n = Integer.parseInt(parts[1].trim());
            if (parts.length != 2 || n < 1 || i < 1 || i > n) {
                throw new UsageException("--shard must be i/n with 1 <= i <= n, got " + text);
            }
            return new int[] {i, n};
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            throw new UsageException("--shard must be i/n, got " + text, e);
        }
    }

    /** Devices in shard i of n: an even split, the first shards taking the remainder. */
    static int size(int devices, int i, int n) {
        return devices / n + (i <= devices % n ? 1 : 0);
    }
}
