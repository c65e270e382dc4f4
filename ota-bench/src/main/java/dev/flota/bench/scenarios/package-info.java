/**
 * {@code bench}: the load and scale scenarios ({@code single}, {@code fleet}, {@code faults}, {@code devices},
 * {@code server}) and {@code merge} for sharded fleet runs; each prints a table and writes JSON and an HTML report on
 * request.
 */
package dev.flota.bench.scenarios;
