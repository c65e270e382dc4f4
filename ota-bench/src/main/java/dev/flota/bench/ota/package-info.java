/**
 * The OTA commands over the network: {@code update} (a simulated device updated over HTTPS by the reactive pipeline,
 * as {@code esp_https_ota}) and {@code serve} (Flota's image server).
 */
package dev.flota.bench.ota;
