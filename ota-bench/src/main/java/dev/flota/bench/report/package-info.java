/**
 * The {@code --html} report of the bench scenarios: one self-contained HTML file with inline SVG charts, from any mix
 * of their JSON results ({@link dev.flota.bench.report.BenchReport}).
 */
package dev.flota.bench.report;
