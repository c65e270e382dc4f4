/** The JMH microbenchmarks packed in {@code ota-bench.jar}, and the {@code jmh} command that runs them. */
package dev.flota.bench.jmh;
