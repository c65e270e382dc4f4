/**
 * The {@code ota-bench} command line: {@link dev.flota.bench.OtaBench}, the main class of {@code ota-bench.jar}, and
 * what all its commands share: usage errors ({@link dev.flota.bench.UsageException}, exit 2), sizes, file and key
 * arguments, JSON output and the {@code --json} mixin. Each command group lives in a sub-package: the host tools in
 * {@code host}, {@code update} and {@code serve} in {@code ota}, {@code demo}, {@code bench} in {@code scenarios}, and
 * {@code jmh}.
 */
package dev.flota.bench;
