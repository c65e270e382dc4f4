/**
 * The simulated fleet that the bench scenarios and the demo update: one partition layout, one device recipe, template
 * flashes whose sectors all devices share, and the percentiles of their update times.
 */
package dev.flota.bench.fleet;
