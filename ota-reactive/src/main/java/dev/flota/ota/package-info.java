/**
 * The reactive OTA engine: {@code esp_https_ota} as a Reactor pipeline (fetch, decrypt, inspect, flash sink,
 * boot switch), built on the formats and simulated device of {@code dev.flota.flash}.
 */
package dev.flota.ota;
